# The demo, host VM side.
. /usr/share/cpc/demo-lib.sh

step "The host VM runs Debian's kernel with cpc_host.ko loaded"
run 'uname -r'
run 'cpcctl version'
run 'ls -l /dev/cpc_host; ls /sys/kernel/cpc_host'

for part in /usr/share/cpc/demo-host-*.sh; do
	[ -f "$part" ] && . "$part"
done

step "The slice bus to the guest VM: an ivshmem-doorbell device"
bus=$(bus_dir cpc_host)
echo "bus $bus: our peer id $(cat "$bus/id"), $(( $(stat -c %s "$bus/shm") >> 20 )) MiB shared, interrupts taken per vector: $(cat "$bus/irqs")"
shm_put "$bus" 192 "$(cat "$bus/id")"
echo "waiting for the guest to announce itself in shared memory..."
wait_for '[ -n "$(shm_get "$bus" 0 8)" ]' || { echo "guest never came"; exit 1; }
guest_id=$(shm_get "$bus" 0 8)
echo "guest is peer $guest_id"
before=$(irqs "$bus")
echo "write 'hello from the host' into shared memory"
shm_put "$bus" 64 "hello from the host"
echo "ring the guest's doorbell: echo '$guest_id 0' > doorbell"
echo "$guest_id 0" > "$bus/doorbell"
wait_for '[ "$(irqs "$bus")" -gt "$before" ]' || { echo "no doorbell from the guest"; exit 1; }
echo "doorbell interrupt received from the guest; it wrote: '$(shm_get "$bus" 128 64)'"
