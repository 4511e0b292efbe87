# The demo, guest VM side.
. /usr/share/cpc/demo-lib.sh

step "The guest VM runs cpc_guest.ko; CPU $(cat /sys/devices/system/cpu/isolated) is isolated as the maintenance vCPU"
run 'cpcctl version'
for part in /usr/share/cpc/demo-guest-*.sh; do
	[ -f "$part" ] && . "$part"
done
bus=$(bus_dir cpc_guest)
before=$(irqs "$bus")
shm_put "$bus" 0 "$(cat "$bus/id")"
wait_for '[ "$(irqs "$bus")" -gt "$before" ]' || { echo "no doorbell from the host"; exit 1; }
step "Doorbell interrupt from the host; shared memory says: '$(shm_get "$bus" 64 64)'"
shm_put "$bus" 128 "hello back from the guest"
wait_for '[ -n "$(shm_get "$bus" 192 8)" ]'
echo "$(shm_get "$bus" 192 8) 0" > "$bus/doorbell"
