#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# build-deb.sh OUTDIR - builds the Debian package of this tree in a clean copy
# (the files git knows, committed or not, without build output), so the
# working tree stays untouched; the .deb files and the .changes end up in
# OUTDIR.  DEB_BUILD_OPTIONS is passed on (nocheck skips the unit tests).
set -eu
cd "$(dirname "$0")/.."
out=${1:?usage: build-deb.sh OUTDIR}
version=$(cat VERSION)
changelog=$(dpkg-parsechangelog -S Version)
if [ "$changelog" != "$version" ]; then
	echo "build-deb: debian/changelog is at $changelog, VERSION at $version" >&2
	exit 1
fi
work=$(mktemp -d /tmp/ozgmon-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/ozgmon-$version
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf - | tar -xf - -C "$src"
else
	tar --exclude=./build --exclude=./build-san --exclude=./bin --exclude=./run -cf - . |
		tar -xf - -C "$src"
fi
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
	tail -40 "$work/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed" >&2
	exit 1
}
mkdir -p "$out"
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
cp "$work/build.log" "$out/build.log"
echo "build-deb: $(cd "$out" && ls ./*.deb | tr '\n' ' ')in $out"
