# Helpers for the demo scripts (sourced inside the VMs).
demo_step=0
step() { demo_step=$((demo_step + 1)); printf '\n==== %s. %s\n' "$demo_step" "$*"; }
run() { printf '$ %s\n' "$*"; sh -c "$*"; }
# The raw ivshmem bus of this VM (debugfs) and its scratch page offset.
bus_dir() { ls -d /sys/kernel/debug/"$1"/ivshmem/*/ 2>/dev/null | head -1; }
scratch_off() { echo $(( $(stat -c %s "$1/shm") - 4096 )); }
shm_put() { printf '%s' "$3" | dd of="$1/shm" bs=1 seek=$(( $(scratch_off "$1") + $2 )) conv=notrunc 2>/dev/null; }
shm_get() { dd if="$1/shm" bs=1 skip=$(( $(scratch_off "$1") + $2 )) count="$3" 2>/dev/null | tr -d '\000'; }
irqs() { cut -d' ' -f1 "$1/irqs"; }
wait_for() { i=0; while ! eval "$1"; do i=$((i + 1)); [ $i -gt 1200 ] && return 1; sleep 0.1; done; }
