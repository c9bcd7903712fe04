#!/usr/bin/env bash
# Builds what the arm64 VM test (make test-pi) boots: a Debian bookworm
# arm64 root tree with systemd, the arm64 kernel unpacked aside, and a small
# initrd that loads the virtio and ext4 modules and switches to the root
# filesystem. Everything is cached in $ROSYS_PI_CACHE (default
# /var/cache/rosys-pi when writable, else $XDG_CACHE_HOME/rosys-pi): a warm
# run only checks the stamps. Nothing here touches the repository.
#
# Why this way (each a measured dead end otherwise):
# - debootstrap --foreign, then the second stage in the chroot under
#   qemu-user-static: binfmt_misc is mounted and qemu-aarch64 registered by
#   hand (with the F flag, so the chroot needs no interpreter), because PID 1
#   here is not systemd and nothing else registers it.
# - The kernel is never installed in the chroot (update-initramfs under
#   qemu-user takes ages); its package is downloaded with the host's apt for
#   arm64 and unpacked aside (dpkg-deb -x straight into a merged-/usr root
#   would replace its /lib symlink).
# - The initrd is built on the host: busybox-static from the root tree, the
#   modules virtio_blk/virtio_net/ext4 need, in modprobe's order.
#
# Prints the cache directory's paths as shell assignments on stdout (the
# test reads them): ROOTFS= KERNEL= INITRD=.
set -euo pipefail

SUITE=bookworm
MIRROR="${ROSYS_PI_MIRROR:-http://deb.debian.org/debian}"
# Bump when the recipe changes: a new stamp rebuilds the tree.
RECIPE=3
PACKAGES=systemd,systemd-sysv,udev,dbus,iproute2,busybox-static

if [ -n "${ROSYS_PI_CACHE:-}" ]; then
  cache="$ROSYS_PI_CACHE"
elif mkdir -p /var/cache/rosys-pi 2>/dev/null && [ -w /var/cache/rosys-pi ]; then
  cache=/var/cache/rosys-pi
else
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/rosys-pi"
fi
mkdir -p "$cache"
log() { echo "image.sh: $*" >&2; }
die() { echo "image.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, binfmt_misc)"
for t in debootstrap qemu-aarch64-static mkfs.ext4 cpio gzip apt-get dpkg-deb depmod modprobe; do
  command -v "$t" >/dev/null || die "missing tool $t (apt-get install debootstrap qemu-user-static e2fsprogs cpio kmod)"
done

# One builder at a time per cache (two make test-pi runs share it).
exec 9>"$cache/.lock"
flock 9

register_binfmt() {
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || die "cannot mount binfmt_misc"
  fi
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F' \
      > /proc/sys/fs/binfmt_misc/register || die "cannot register qemu-aarch64 in binfmt_misc"
  fi
}

rootfs="$cache/rootfs-$SUITE-r$RECIPE"
if [ ! -e "$rootfs/.rosys-complete" ]; then
  register_binfmt
  rm -rf "$rootfs" "$rootfs.tmp"
  mkdir -p "$cache/debs"
  log "debootstrap first stage into $rootfs.tmp"
  debootstrap --foreign --arch=arm64 --variant=minbase --cache-dir="$cache/debs" \
    --include="$PACKAGES" "$SUITE" "$rootfs.tmp" "$MIRROR" >&2
  log "debootstrap second stage under qemu-user (a few minutes)"
  chroot "$rootfs.tmp" /debootstrap/debootstrap --second-stage >&2
  # The guest: root without a password on the console, static address for
  # qemu's user network (no DHCP wait), networkd on, a hostname.
  chroot "$rootfs.tmp" passwd -d root >&2
  echo rosys-pi > "$rootfs.tmp/etc/hostname"
  printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' > "$rootfs.tmp/etc/fstab"
  mkdir -p "$rootfs.tmp/etc/systemd/network"
  cat > "$rootfs.tmp/etc/systemd/network/10-qemu.network" <<'NET'
[Match]
Name=en* eth*

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
DNS=10.0.2.3
NET
  chroot "$rootfs.tmp" systemctl enable systemd-networkd >&2
  # Nothing in the guest waits for a network that is "online".
  chroot "$rootfs.tmp" systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service >&2 || true
  rm -rf "$rootfs.tmp/var/cache/apt/archives/"*.deb
  touch "$rootfs.tmp/.rosys-complete"
  mv "$rootfs.tmp" "$rootfs"
fi

kdir="$cache/kernel-$SUITE-r$RECIPE"
if [ ! -e "$kdir/.rosys-complete" ]; then
  rm -rf "$kdir" && mkdir -p "$kdir/apt/state/lists/partial" "$kdir/apt/cache/archives/partial" "$kdir/apt/etc"
  echo "deb $MIRROR $SUITE main" > "$kdir/apt/etc/sources.list"
  aptopts=(-o "Dir::State=$kdir/apt/state" -o "Dir::Cache=$kdir/apt/cache" -o "Dir::Etc::SourceList=$kdir/apt/etc/sources.list"
    -o "Dir::Etc::SourceParts=-" -o "APT::Architecture=arm64" -o "APT::Architectures::=arm64" -o "Debug::NoLocking=1")
  log "downloading the arm64 kernel package with the host's apt"
  apt-get "${aptopts[@]}" update >&2
  kpkg=$(apt-cache "${aptopts[@]}" depends linux-image-arm64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  [ -n "$kpkg" ] || die "no kernel package behind linux-image-arm64"
  (cd "$kdir" && apt-get "${aptopts[@]}" download "$kpkg:arm64" >&2)
  mkdir -p "$kdir/x"
  dpkg-deb -x "$kdir"/linux-image-*.deb "$kdir/x"
  kver=$(ls "$kdir/x/lib/modules" 2>/dev/null || ls "$kdir/x/usr/lib/modules")
  cp "$kdir/x/boot/vmlinuz-$kver" "$kdir/vmlinuz"
  depmod -b "$kdir/x" "$kver" 2>/dev/null || depmod -b "$kdir/x/usr" "$kver"

  # The initrd: busybox, the modules in dependency order, an init that
  # mounts /dev/vda and switches to it.
  ird="$kdir/initrd"
  mkdir -p "$ird/bin" "$ird/mods" "$ird/proc" "$ird/sys" "$ird/dev" "$ird/newroot"
  cp "$rootfs/bin/busybox" "$ird/bin/busybox"
  : > "$ird/mods/order"
  for m in virtio_mmio virtio_pci virtio_blk virtio_net ext4 crc32c_generic; do
    modprobe -d "$kdir/x" -S "$kver" --show-depends "$m" 2>/dev/null || true
  done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' | while read -r ko; do
    base=$(basename "$ko")
    case "$base" in
      *.xz) xz -dc "$ko" > "$ird/mods/${base%.xz}"; base="${base%.xz}" ;;
      *.zst) zstd -dcq "$ko" > "$ird/mods/${base%.zst}"; base="${base%.zst}" ;;
      *) cp "$ko" "$ird/mods/$base" ;;
    esac
    echo "$base" >> "$ird/mods/order"
  done
  cat > "$ird/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in $(/bin/busybox cat /mods/order); do /bin/busybox insmod /mods/$m 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do /bin/busybox sleep 0.1; i=$((i+1)); done
/bin/busybox mount -t ext4 -o rw /dev/vda /newroot || { echo "initrd: cannot mount /dev/vda"; exec /bin/busybox sh; }
/bin/busybox umount /proc /sys
/bin/busybox mount --move /dev /newroot/dev
exec /bin/busybox switch_root /newroot /sbin/init
INIT
  chmod 755 "$ird/init"
  (cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$kdir/initrd.gz"
  echo "$kver" > "$kdir/version"
  rm -rf "$kdir/apt" "$kdir/x" "$kdir"/linux-image-*.deb && touch "$kdir/.rosys-complete"
fi

echo "ROOTFS=$rootfs"
echo "KERNEL=$kdir/vmlinuz"
echo "INITRD=$kdir/initrd.gz"
echo "KVER=$(cat "$kdir/version")"
