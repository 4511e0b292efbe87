// SPDX-License-Identifier: GPL-2.0
// Unit tests of proto/cpc_linux_boot.c: the bzImage header check, the e820
// map, the zero page and the ACPI tables cpc_host writes for a Linux slice.
// The tables are read back the way Linux's ACPI code reads them (checksums,
// signatures, physical pointers).
#include <gtest/gtest.h>

#include "cpc_linux_boot.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::uint16_t get16(const std::uint8_t *p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }
std::uint32_t get32(const std::uint8_t *p) { return get16(p) | static_cast<std::uint32_t>(get16(p + 2)) << 16; }
std::uint64_t get64(const std::uint8_t *p) { return get32(p) | static_cast<std::uint64_t>(get32(p + 4)) << 32; }
void put16(std::uint8_t *p, std::uint16_t v) { p[0] = v & 0xff; p[1] = v >> 8; }
void put32(std::uint8_t *p, std::uint32_t v) { put16(p, v & 0xffff); put16(p + 2, v >> 16); }

// A minimal bzImage head that cpc_lb_parse() accepts: 2.15, 64-bit,
// relocatable, 2 MiB alignment, 16 setup sectors, 64 MiB init_size.
std::vector<std::uint8_t> fake_bzimage(std::size_t len = 8 << 20)
{
	std::vector<std::uint8_t> f(len, 0x90);
	std::memset(f.data(), 0, CPC_LB_HEAD_LEN);
	f[0x1f1] = 16;
	put16(&f[0x1fe], 0xaa55);
	f[0x200] = 0xeb;
	f[0x201] = 0x6a;		// header ends at 0x26c (2.15)
	std::memcpy(&f[0x202], "HdrS", 4);
	put16(&f[0x206], 0x020f);
	f[0x211] = 0x01;		// LOADED_HIGH
	put32(&f[0x230], 0x200000);
	f[0x234] = 1;
	put16(&f[0x236], XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	put32(&f[0x238], 2047);
	put32(&f[0x260], 64 << 20);
	return f;
}

int parse(const std::vector<std::uint8_t> &f, cpc_lb_kernel *k)
{
	return cpc_lb_parse(f.data(), CPC_LB_HEAD_LEN, f.size(), k);
}

} // namespace

TEST(LinuxBoot, ParsesAValidHeader)
{
	auto f = fake_bzimage();
	cpc_lb_kernel k{};
	ASSERT_EQ(parse(f, &k), 0);
	EXPECT_EQ(k.setup_size, 17u * 512);
	EXPECT_EQ(k.hdr_end, 0x26cu);
	EXPECT_EQ(k.version, 0x020f);
	EXPECT_EQ(k.kernel_alignment, 0x200000u);
	EXPECT_EQ(k.init_size, 64u << 20);
	EXPECT_EQ(k.cmdline_size, 2047u);
}

TEST(LinuxBoot, ZeroSetupSectorsMeansFour)
{
	auto f = fake_bzimage();
	f[0x1f1] = 0;
	cpc_lb_kernel k{};
	ASSERT_EQ(parse(f, &k), 0);
	EXPECT_EQ(k.setup_size, 5u * 512);
}

TEST(LinuxBoot, RefusesWhatItCannotBoot)
{
	struct Case {
		const char *what;
		void (*mutate)(std::vector<std::uint8_t> &);
	} cases[] = {
		{"boot flag", [](auto &f) { f[0x1fe] = 0; }},
		{"HdrS magic", [](auto &f) { f[0x202] = 'X'; }},
		{"protocol 2.13", [](auto &f) { put16(&f[0x206], 0x020d); }},
		{"not a short jump", [](auto &f) { f[0x200] = 0xe9; }},
		{"header too short", [](auto &f) { f[0x201] = 0x40; }},
		{"header too long", [](auto &f) { f[0x201] = 0xff; }},
		{"not loaded high", [](auto &f) { f[0x211] = 0; }},
		{"not relocatable", [](auto &f) { f[0x234] = 0; }},
		{"no 64-bit entry", [](auto &f) { put16(&f[0x236], XLF_CAN_BE_LOADED_ABOVE_4G); }},
		{"not above 4G", [](auto &f) { put16(&f[0x236], XLF_KERNEL_64); }},
		{"alignment not a power of 2", [](auto &f) { put32(&f[0x230], 0x300000); }},
		{"alignment below 4K", [](auto &f) { put32(&f[0x230], 0x800); }},
		{"init_size below the kernel", [](auto &f) { put32(&f[0x260], 4096); }},
		{"no command line", [](auto &f) { put32(&f[0x238], 0); }},
		{"setup beyond the file", [](auto &f) { f.resize(17 * 512); }},
	};
	for (const auto &c : cases) {
		auto f = fake_bzimage();
		c.mutate(f);
		cpc_lb_kernel k{};
		EXPECT_EQ(cpc_lb_parse(f.data(), CPC_LB_HEAD_LEN, f.size(), &k), -ENOEXEC) << c.what;
	}
	auto f = fake_bzimage();
	cpc_lb_kernel k{};
	EXPECT_EQ(cpc_lb_parse(f.data(), CPC_LB_HEAD_LEN - 1, f.size(), &k), -EINVAL);
	EXPECT_EQ(cpc_lb_parse(f.data(), CPC_LB_HEAD_LEN, CPC_LB_HEAD_LEN - 1, &k), -EINVAL);
}

// The kernels the test bed boots on slices (Debian's), when this machine has them.
TEST(LinuxBoot, ParsesTheDebianKernel)
{
	std::vector<std::filesystem::path> kernels;
	std::error_code ec;
	for (const auto &e : std::filesystem::directory_iterator("/boot", ec))
		if (e.path().filename().string().rfind("vmlinuz-", 0) == 0)
			kernels.push_back(e.path());
	if (kernels.empty())
		GTEST_SKIP() << "no /boot/vmlinuz-*";
	std::ifstream in(kernels.front(), std::ios::binary);
	ASSERT_TRUE(in) << kernels.front();
	std::vector<std::uint8_t> f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	cpc_lb_kernel k{};
	ASSERT_EQ(parse(f, &k), 0);
	EXPECT_GE(k.version, 0x020e);
	EXPECT_GE(k.init_size, f.size() - k.setup_size);
	// Its version string starts with the release uname -r prints.
	ASSERT_NE(k.version_off, 0u);
	char ver[CPC_LB_VERSION_MAX];
	cpc_lb_version(&f[k.version_off], f.size() - k.version_off, ver, sizeof(ver));
	std::string release = kernels.front().filename().string().substr(8);
	EXPECT_EQ(std::string(ver).rfind(release + " ", 0), 0u) << ver;
}

TEST(LinuxBoot, VersionStringOffsetIsCheckedAndCopiedPrintable)
{
	auto f = fake_bzimage();
	cpc_lb_kernel k{};
	ASSERT_EQ(parse(f, &k), 0);
	EXPECT_EQ(k.version_off, 0u);			// the header names none
	put16(&f[0x20e], 0x300);			// file offset 0x500, in the setup code
	std::memcpy(&f[0x500], "6.1.0 (a\x01" "b)", 12);	// with its NUL
	ASSERT_EQ(parse(f, &k), 0);
	EXPECT_EQ(k.version_off, 0x500u);
	char ver[CPC_LB_VERSION_MAX];
	EXPECT_EQ(cpc_lb_version(&f[0x500], 64, ver, sizeof(ver)), 11u);
	EXPECT_STREQ(ver, "6.1.0 (a?b)");
	// Cut by the bytes there are and by the room in the copy.
	EXPECT_EQ(cpc_lb_version(&f[0x500], 3, ver, sizeof(ver)), 3u);
	EXPECT_STREQ(ver, "6.1");
	EXPECT_EQ(cpc_lb_version(&f[0x500], 64, ver, 4), 3u);
	EXPECT_STREQ(ver, "6.1");
	EXPECT_EQ(cpc_lb_version(&f[0x500], 0, ver, sizeof(ver)), 0u);
	EXPECT_STREQ(ver, "");
	// Pointing into the header or past the setup code: none.
	put16(&f[0x20e], 0x10);
	ASSERT_EQ(parse(f, &k), 0);
	EXPECT_EQ(k.version_off, 0u);
	put16(&f[0x20e], 17 * 512 - 0x200);
	ASSERT_EQ(parse(f, &k), 0);
	EXPECT_EQ(k.version_off, 0u);
	put16(&f[0x20e], 17 * 512 - 0x200 - 1);
	ASSERT_EQ(parse(f, &k), 0);
	EXPECT_EQ(k.version_off, 17u * 512 - 1);
}

TEST(LinuxBoot, E820MergesAndOrders)
{
	cpc_lb_params p{};
	ASSERT_EQ(cpc_lb_e820_add(&p, 0x70000, 0x10000, CPC_E820_RAM), 0);
	ASSERT_EQ(cpc_lb_e820_add(&p, 0x100000000ULL, 0x200000, CPC_E820_RESERVED), 0);
	ASSERT_EQ(cpc_lb_e820_add(&p, 0x100200000ULL, 0x7e00000, CPC_E820_RAM), 0);
	ASSERT_EQ(cpc_lb_e820_add(&p, 0x108000000ULL, 0x8000000, CPC_E820_RAM), 0);	// adjacent: merged
	ASSERT_EQ(cpc_lb_e820_add(&p, 0x118000000ULL, 0, CPC_E820_RAM), 0);		// empty: nothing
	ASSERT_EQ(p.nr_e820, 3u);
	EXPECT_EQ(p.e820[2].addr, 0x100200000ULL);
	EXPECT_EQ(p.e820[2].size, 0xfe00000ULL);
	EXPECT_EQ(cpc_lb_e820_add(&p, 0x100000000ULL, 0x1000, CPC_E820_RAM), -EINVAL);	// overlaps
	EXPECT_EQ(cpc_lb_e820_add(&p, ~0ULL - 10, 0x1000, CPC_E820_RAM), -EINVAL);	// wraps
	EXPECT_EQ(p.nr_e820, 3u);
	cpc_lb_params q{};
	for (unsigned i = 0; i < E820_MAX_ENTRIES_ZEROPAGE; i++)
		ASSERT_EQ(cpc_lb_e820_add(&q, 0x200000ULL * i * 2, 0x200000, CPC_E820_RAM), 0);
	EXPECT_EQ(cpc_lb_e820_add(&q, 0x200000ULL * 1000, 0x1000, CPC_E820_RAM), -ENOSPC);
}

TEST(LinuxBoot, ZeroPageFieldsAtTheirOffsets)
{
	auto f = fake_bzimage();
	cpc_lb_kernel k{};
	ASSERT_EQ(parse(f, &k), 0);
	cpc_lb_params p{};
	p.kernel = 0x101000000ULL;
	p.initrd = 0x10f000000ULL;
	p.initrd_len = 0x123456;
	p.cmdline = 0x100041000ULL;
	p.rsdp = 0x100042000ULL;
	ASSERT_EQ(cpc_lb_e820_add(&p, 0x70000, 0x10000, CPC_E820_RAM), 0);
	ASSERT_EQ(cpc_lb_e820_add(&p, 0x100200000ULL, 0xfe00000, CPC_E820_RAM), 0);
	std::vector<std::uint8_t> page(4096, 0xcc);
	cpc_lb_zero_page(reinterpret_cast<boot_params *>(page.data()), f.data(), &k, &p);
	const std::uint8_t *z = page.data();
	// Documentation/x86/zero-page.rst and boot.rst offsets.
	EXPECT_EQ(get64(z + 0x070), p.rsdp);
	EXPECT_EQ(get32(z + 0x0c0), 0x1u);		// ext_ramdisk_image
	EXPECT_EQ(get32(z + 0x0c4), 0u);		// ext_ramdisk_size
	EXPECT_EQ(get32(z + 0x0c8), 0x1u);		// ext_cmd_line_ptr
	EXPECT_EQ(z[0x1e8], 2);				// e820_entries
	EXPECT_EQ(z[0x1ef], 0);				// sentinel
	EXPECT_EQ(z[0x210], 0xff);			// type_of_loader
	EXPECT_EQ(get32(z + 0x218), 0x0f000000u);	// ramdisk_image
	EXPECT_EQ(get32(z + 0x21c), 0x123456u);		// ramdisk_size
	EXPECT_EQ(get32(z + 0x228), 0x00041000u);	// cmd_line_ptr
	EXPECT_EQ(get32(z + 0x250), 0u);		// setup_data (low half)
	EXPECT_EQ(get32(z + 0x260), 64u << 20);		// init_size, copied
	EXPECT_EQ(get32(z + 0x230), 0x200000u);		// kernel_alignment, copied
	EXPECT_EQ(get64(z + 0x2d0), 0x70000u);		// e820_table[0]
	EXPECT_EQ(get64(z + 0x2d8), 0x10000u);
	EXPECT_EQ(get32(z + 0x2e0), 1u);
	EXPECT_EQ(get64(z + 0x2e4), 0x100200000ULL);	// e820_table[1]
	// Everything outside the header and the loader's fields is zero.
	for (std::size_t i = 0; i < 0x070; i++)
		ASSERT_EQ(z[i], 0) << i;
	for (std::size_t i = k.hdr_end; i < 0x2d0; i++)
		ASSERT_EQ(z[i], 0) << i;
	for (std::size_t i = 0x2d0 + 2 * 20; i < 4096; i++)
		ASSERT_EQ(z[i], 0) << i;
}

namespace {

struct Tables {
	std::vector<std::uint8_t> buf;
	std::uint64_t phys;
	const std::uint8_t *at(std::uint64_t pa) const
	{
		EXPECT_GE(pa, phys);
		EXPECT_LT(pa - phys, buf.size());
		return buf.data() + (pa - phys);
	}
};

bool sums_to_zero(const std::uint8_t *p, std::size_t len)
{
	std::uint8_t s = 0;
	for (std::size_t i = 0; i < len; i++)
		s += p[i];
	return s == 0;
}

Tables build(const std::vector<std::uint32_t> &ids, std::uint32_t decoy = 0x6f000)
{
	Tables t{std::vector<std::uint8_t>(CPC_LB_ACPI_MAX, 0xcc), 0x100042000ULL};
	std::size_t n = cpc_lb_build_acpi(t.buf.data(), t.buf.size(), t.phys, ids.data(),
					  static_cast<std::uint32_t>(ids.size()), decoy);
	EXPECT_GT(n, 0u);
	t.buf.resize(n);
	return t;
}

// The table an XSDT entry with signature @sig points to (checks its checksum).
const std::uint8_t *find(const Tables &t, const char *sig)
{
	const std::uint8_t *rsdp = t.at(t.phys);
	const std::uint8_t *xsdt = t.at(get64(rsdp + 24));
	std::uint32_t len = get32(xsdt + 4);
	for (std::uint32_t off = 36; off + 8 <= len; off += 8) {
		const std::uint8_t *tab = t.at(get64(xsdt + off));
		if (!std::memcmp(tab, sig, 4)) {
			EXPECT_TRUE(sums_to_zero(tab, get32(tab + 4))) << sig;
			return tab;
		}
	}
	return nullptr;
}

} // namespace

TEST(LinuxBoot, AcpiRsdpAndXsdtAreValid)
{
	Tables t = build({3});
	const std::uint8_t *rsdp = t.at(t.phys);
	EXPECT_EQ(std::memcmp(rsdp, "RSD PTR ", 8), 0);
	EXPECT_EQ(rsdp[15], 2);				// revision: XSDT
	EXPECT_TRUE(sums_to_zero(rsdp, 20));
	EXPECT_TRUE(sums_to_zero(rsdp, 36));
	EXPECT_EQ(get32(rsdp + 16), 0u);			// no RSDT
	EXPECT_EQ(get32(rsdp + 20), 36u);
	const std::uint8_t *xsdt = t.at(get64(rsdp + 24));
	EXPECT_EQ(std::memcmp(xsdt, "XSDT", 4), 0);
	EXPECT_EQ(get32(xsdt + 4), 36u + 16);
	EXPECT_TRUE(sums_to_zero(xsdt, get32(xsdt + 4)));
}

TEST(LinuxBoot, FadtIsHardwareReducedWithNoLegacyDevices)
{
	Tables t = build({3});
	const std::uint8_t *fadt = find(t, "FACP");
	ASSERT_NE(fadt, nullptr);
	EXPECT_EQ(get32(fadt + 4), 276u);
	EXPECT_EQ(fadt[8], 6);				// revision
	std::uint32_t flags = get32(fadt + 112);
	EXPECT_TRUE(flags & (1u << 20)) << "HW_REDUCED_ACPI";
	EXPECT_TRUE(flags & (1u << 19)) << "FORCE_APIC_PHYSICAL_DESTINATION_MODE";
	std::uint16_t arch = get16(fadt + 109);
	EXPECT_EQ(arch & 0x3, 0) << "LEGACY_DEVICES and 8042 clear";
	EXPECT_TRUE(arch & (1u << 2)) << "VGA not present";
	EXPECT_TRUE(arch & (1u << 5)) << "CMOS RTC not present";
	// No SCI, no SMI command port, no PM blocks, no PM timer.
	EXPECT_EQ(get16(fadt + 46), 0);
	for (std::size_t off = 48; off < 96; off += 4)
		EXPECT_EQ(get32(fadt + off), 0u) << off;
	EXPECT_EQ(get64(fadt + 208 + 4), 0u);		// X_PM_TMR_BLK address
	EXPECT_EQ(get32(fadt + 40), 0u);			// 32-bit DSDT unused
	const std::uint8_t *dsdt = t.at(get64(fadt + 140));
	EXPECT_EQ(std::memcmp(dsdt, "DSDT", 4), 0);
	EXPECT_EQ(get32(dsdt + 4), 36u);			// no AML: no devices
	EXPECT_TRUE(sums_to_zero(dsdt, 36));
}

TEST(LinuxBoot, MadtListsOnlyTheSlicesCpus)
{
	Tables t = build({2, 3, 300});
	const std::uint8_t *madt = find(t, "APIC");
	ASSERT_NE(madt, nullptr);
	EXPECT_EQ(get32(madt + 36), 0xfee00000u);
	EXPECT_EQ(get32(madt + 40), 0u) << "no PCAT_COMPAT";
	std::uint32_t len = get32(madt + 4);
	std::vector<std::uint32_t> ids;
	std::vector<std::uint32_t> ioapics;
	for (std::uint32_t off = 44; off < len;) {
		const std::uint8_t *e = madt + off;
		ASSERT_GE(e[1], 2);
		if (e[0] == 1) {
			ASSERT_EQ(e[1], 12);
			EXPECT_EQ(get32(e + 8), 0u) << "GSI base";
			ioapics.push_back(get32(e + 4));
		} else if (e[0] == 0) {
			EXPECT_EQ(get32(e + 4) & 1, 1u);
			ids.push_back(e[3]);
		} else if (e[0] == 9) {
			EXPECT_EQ(get32(e + 8) & 1, 1u);
			ids.push_back(get32(e + 4));
		} else {
			ADD_FAILURE() << "unexpected MADT entry type " << int(e[0]);
		}
		off += e[1];
	}
	EXPECT_EQ(ids, (std::vector<std::uint32_t>{2, 3, 300}));
	// Only the decoy: Linux finds all-ones registers there and has no I/O
	// APIC, instead of reading the host's through the MP table.
	EXPECT_EQ(ioapics, (std::vector<std::uint32_t>{0x6f000}));
	Tables none = build({2}, 0);
	const std::uint8_t *m = find(none, "APIC");
	ASSERT_NE(m, nullptr);
	EXPECT_EQ(get32(m + 4), 44u + 8);
}

TEST(LinuxBoot, AcpiRefusesWhatDoesNotFit)
{
	std::vector<std::uint8_t> buf(CPC_LB_ACPI_MAX);
	std::vector<std::uint32_t> ids(CPC_LB_MAX_CPUS + 1, 300);
	EXPECT_EQ(cpc_lb_build_acpi(buf.data(), buf.size(), 0x1000, ids.data(), 0, 0), 0u);
	EXPECT_EQ(cpc_lb_build_acpi(buf.data(), buf.size(), 0x1000, ids.data(), CPC_LB_MAX_CPUS + 1, 0), 0u);
	EXPECT_EQ(cpc_lb_build_acpi(buf.data(), buf.size(), 0x1008, ids.data(), 1, 0), 0u);
	EXPECT_EQ(cpc_lb_build_acpi(buf.data(), buf.size(), 0x1000, ids.data(), 1, 0x6f800), 0u);
	EXPECT_EQ(cpc_lb_build_acpi(buf.data(), 200, 0x1000, ids.data(), 1, 0), 0u);
	// The most the MADT can hold (x2APIC entries) fits in CPC_LB_ACPI_MAX.
	EXPECT_GT(cpc_lb_build_acpi(buf.data(), buf.size(), 0x1000, ids.data(), CPC_LB_MAX_CPUS, 0x6f000), 0u);
}

TEST(LinuxBoot, CommandLineMustNotLetAPanicRestart)
{
	// cpc_host's defaults carry panic=0; a later panic= wins in Linux.
	EXPECT_TRUE(cpc_lb_cmdline_panic_ok(""));
	EXPECT_TRUE(cpc_lb_cmdline_panic_ok("earlyprintk=serial panic=0 quiet"));
	EXPECT_TRUE(cpc_lb_cmdline_panic_ok("panic=0 panic=00 panic=+0 panic=-0 panic=0x0"));
	EXPECT_TRUE(cpc_lb_cmdline_panic_ok("panic=0 \"panic=0\" panic=\"0\""));
	EXPECT_TRUE(cpc_lb_cmdline_panic_ok("panic=0 -- panic=5"));		// init's, not the kernel's
	EXPECT_TRUE(cpc_lb_cmdline_panic_ok("panic_on_warn=1 oops=panic xpanic=3"));
	EXPECT_FALSE(cpc_lb_cmdline_panic_ok("panic=0 panic=10"));
	EXPECT_FALSE(cpc_lb_cmdline_panic_ok("panic=-1"));
	EXPECT_FALSE(cpc_lb_cmdline_panic_ok("panic=0\tpanic=1"));
	EXPECT_FALSE(cpc_lb_cmdline_panic_ok("\"panic=1\""));
	EXPECT_FALSE(cpc_lb_cmdline_panic_ok("panic=\"7\""));
	EXPECT_FALSE(cpc_lb_cmdline_panic_ok("panic="));			// not plainly zero
	EXPECT_FALSE(cpc_lb_cmdline_panic_ok("panic=0x"));
	EXPECT_FALSE(cpc_lb_cmdline_panic_ok("panic=abc"));
	EXPECT_FALSE(cpc_lb_cmdline_panic_ok("--x panic=2"));			// "--x" is no separator
}
