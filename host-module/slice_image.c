// SPDX-License-Identifier: GPL-2.0
/*
 * slice_image.c - CPC_IOCTL_SLICE_LOAD: copy a slice image from user space
 * straight into the slice's memory at CPC_SLICE_IMAGE_OFFSET, check its
 * header on the copy (user space may change its buffer meanwhile), zero
 * its bss. Image format: linux/cpc_slice.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/cpc_slice.h>

#include "slice.h"

/**
 * cpc_slice_fill() - copy user memory into the slice's memory.
 * @s:   the slice.
 * @off: offset in the slice's memory.
 * @src: user address, or NULL: zeroes.
 * @len: bytes.
 *
 * At most 2 MiB per mapping, never across a block boundary.
 *
 * Return: 0, -EINTR (fatal signal), -ENOMEM (cannot map) or -EFAULT.
 */
int cpc_slice_fill(struct cpc_slice *s, u64 off, const void __user *src, u64 len)
{
	u64 bs = cpc_slice_block_size();

	while (len) {
		u64 in_block = bs - (off % bs);
		u64 n = min3(len, in_block, (u64)SZ_2M);
		u64 phys = cpc_slice_phys(s, off);
		u64 base = phys & PAGE_MASK;
		size_t maplen = PAGE_ALIGN(phys - base + n);
		void *map;
		int ret = 0;

		if (fatal_signal_pending(current))
			return -EINTR;
		map = memremap(base, maplen, MEMREMAP_WB);
		if (!map)
			return -ENOMEM;
		if (!src)
			memset(map + (phys - base), 0, n);
		else if (copy_from_user(map + (phys - base), src, n))
			ret = -EFAULT;
		memunmap(map);
		if (ret)
			return ret;
		if (src)
			src += n;
		off += n;
		len -= n;
		cond_resched();
	}
	return 0;
}

/* Reads the image header back from the slice's memory. */
static int cpc_slice_read_header(struct cpc_slice *s, struct cpc_slice_image_header *h)
{
	void *map = memremap(cpc_slice_phys(s, CPC_SLICE_IMAGE_OFFSET), PAGE_SIZE,
			     MEMREMAP_WB);

	if (!map)
		return -ENOMEM;
	memcpy(h, map, sizeof(*h));
	memunmap(map);
	return 0;
}

/* Checks a header (a copy in kernel memory) against @len and the slice. */
static int cpc_slice_check_header(struct cpc_slice *s, const struct cpc_slice_image_header *h,
				  u64 len)
{
	if (h->magic != CPC_SLICE_IMAGE_MAGIC || h->version != CPC_SLICE_IMAGE_VERSION ||
	    h->header_size != sizeof(*h) || h->load_offset != CPC_SLICE_IMAGE_OFFSET ||
	    h->reserved[0] || h->reserved[1]) {
		pr_info_ratelimited("load %s: not a version %u slice image\n", s->name,
				    CPC_SLICE_IMAGE_VERSION);
		return -ENOEXEC;
	}
	if (h->file_size != len || h->mem_size < h->file_size) {
		pr_info_ratelimited("load %s: image sizes do not match (file %llu, memory %llu, given %llu)\n",
				    s->name, h->file_size, h->mem_size, len);
		return -EINVAL;
	}
	if (h->entry < sizeof(*h) || h->entry >= h->file_size) {
		pr_info_ratelimited("load %s: entry point 0x%llx is outside the image\n",
				    s->name, h->entry);
		return -ENOEXEC;
	}
	if (h->mem_size > cpc_slice_linear_len(s) - CPC_SLICE_IMAGE_OFFSET) {
		pr_info_ratelimited("load %s: the image needs %llu bytes, the slice maps %llu\n",
				    s->name, h->mem_size,
				    cpc_slice_linear_len(s) - CPC_SLICE_IMAGE_OFFSET);
		return -EFBIG;
	}
	return 0;
}

/**
 * cpc_slice_load() - CPC_IOCTL_SLICE_LOAD on a slice.
 * @s:   the slice.
 * @req: the request, copied in; size, flags, reserved and name checked.
 *
 * Context: cpc_slices_mutex held.
 * Return: 0 or a negative errno as documented in uapi/linux/cpc_host.h.
 */
int cpc_slice_load(struct cpc_slice *s, const struct cpc_slice_load *req)
{
	const void __user *img = u64_to_user_ptr(req->image_ptr);
	struct cpc_slice_image_header h, again;
	int ret;

	lockdep_assert_held(&cpc_slices_mutex);
	if (req->flags & CPC_SLICE_LOAD_LINUX)
		return cpc_slice_load_linux(s, req);
	if (s->state == CPC_SLICE_DESTROYING || s->state == CPC_SLICE_RUNNING)
		return -EBUSY;
	if (req->image_len < sizeof(h))
		return -EINVAL;
	if (req->image_len > CPC_SLICE_IMAGE_MAX)
		return -EFBIG;
	/* A first look, so a bad image is refused before memory is written. */
	if (copy_from_user(&h, img, sizeof(h)))
		return -EFAULT;
	ret = cpc_slice_check_header(s, &h, req->image_len);
	if (ret)
		return ret;

	s->image_loaded = false;
	ret = cpc_slice_fill(s, CPC_SLICE_IMAGE_OFFSET, img, req->image_len);
	if (ret)
		return ret;
	/* What counts is the copy. */
	ret = cpc_slice_read_header(s, &again);
	if (ret)
		return ret;
	if (memcmp(&h, &again, sizeof(h))) {
		ret = cpc_slice_check_header(s, &again, req->image_len);
		if (ret)
			return ret;
		h = again;
	}
	ret = cpc_slice_fill(s, CPC_SLICE_IMAGE_OFFSET + h.file_size, NULL,
			     h.mem_size - h.file_size);
	if (ret)
		return ret;
	s->image_entry = h.entry;
	s->image_mem_size = h.mem_size;
	s->image_linux = false;
	s->image_loaded = true;
	pr_info("slice %s: image loaded (%llu bytes, %llu in memory, entry +0x%llx)\n",
		s->name, h.file_size, h.mem_size, h.entry);
	return 0;
}
