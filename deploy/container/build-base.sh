#!/bin/sh
# Builds the base image of Tongban's container image from Debian packages alone: Debian 12 (bookworm,
# minbase) with Java 17's headless runtime, the CJK font of application PDFs, ffmpeg for recordings, bash
# for the compose healthcheck, and the user tongban (uid/gid 10001) with /var/lib/tongban (0700) — what
# deploy/README.md's step 1 and 2 install on a host. Writes a Docker-format image tarball that Jib takes as
# its base (`-Pimage -Dtongban.image.base=tar://…`, deploy/README.md "Packages and images"), or push it to
# your registry and name it there.
#
# Needs root, debootstrap and podman (Debian: apt-get install debootstrap podman); podman only imports and
# saves here, it runs no container. Usage: build-base.sh [OUT.tar] [MIRROR]
set -eu
out=$(realpath -m "${1:-deploy/target/tongban-base.tar}")
mirror=${2:-http://deb.debian.org/debian}
image=localhost/tongban-base:bookworm
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp's 0700 would become the image's / and lock the non-root user out of everything.
chmod 0755 "$root"

debootstrap --variant=minbase \
    --include=openjdk-17-jre-headless,fonts-wqy-microhei,ffmpeg,ca-certificates \
    bookworm "$root" "$mirror"
chroot "$root" groupadd --system --gid 10001 tongban
chroot "$root" useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/tongban --no-create-home \
    --shell /usr/sbin/nologin tongban
install -d -m 0700 -o 10001 -g 10001 "$root/var/lib/tongban"
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log

mkdir -p "$(dirname "$out")"
tar --numeric-owner -C "$root" -c . | podman import --change 'ENV LANG=C.UTF-8' - "$image"
rm -f "$out"
podman save --format docker-archive -o "$out" "$image"
echo "$out"
