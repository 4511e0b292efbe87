# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
# Sourced by testbed/run (and by scripts/run-tests, which tests it): how
# the console printers run awk. Each printer copies one VM's console (or a
# slice's, or the --local script's) to testbed/run's output with a prefix:
#   tail -F LOG | "${live_awk[@]}" -v p="[NAME] " "$awk_say"'{ say(p $0) }'
# The console printers act on lines as they come: mawk, Debian's awk,
# reads a pipe in blocks unless told otherwise.
live_awk=(awk)
if awk -W version 2>&1 | grep -q mawk; then
	live_awk=(awk -W interactive)
fi
# say(TEXT): TEXT and its newline in one write. Several printers share
# this script's output, and -W interactive leaves mawk's stdout unbuffered:
# print would write TEXT and the newline separately, and another VM's line
# could land between them (a "# Totals:" that then no longer starts a line
# goes uncounted).
awk_say='function say(s) { printf "%s", s "\n"; fflush() }'
