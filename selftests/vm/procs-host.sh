# SPDX-License-Identifier: GPL-2.0
# Scenario: the procedures' guest-side tests; the host only keeps the
# guest up (guests run until the host script ends, then finish theirs).
exit 0
