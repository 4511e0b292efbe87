# SPDX-License-Identifier: GPL-2.0
# Sourced by scenario scripts in the host VM (installed as
# /usr/share/cpc/slice_lib.sh): waiting for what a Linux slice prints.
#
# testbed/run copies the lines a slice's /init prints ("CPC-SLICE: ...")
# and a slice kernel's "Kernel panic" from the slice console (the host
# VM's COM2) to the host VM's console input as "slice-console: LINE".

# slice_console_wait REGEX SECONDS: reads console input until a
# slice-console line matches REGEX (it is printed, and kept in
# $slice_line); 1 if none did within SECONDS or a slice kernel panicked.
slice_console_wait() {
	re=$1
	end=$(($(date +%s) + $2))
	slice_line=
	stty -echo < /dev/console 2>/dev/null
	while [ "$(date +%s)" -lt "$end" ]; do
		line=
		read -t 5 -r line < /dev/console || continue
		case "$line" in
		slice-console:*) ;;
		*) continue ;;
		esac
		echo "# $line"
		case "$line" in
		*"Kernel panic"*) return 1 ;;
		esac
		if echo "$line" | grep -qE -- "$re"; then
			slice_line=$line
			return 0
		fi
	done
	echo "# no slice console line matching '$re' within $2 s"
	return 1
}
