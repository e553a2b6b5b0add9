#!/usr/bin/env bash
# What `cargo publish` would upload: it builds, it carries what it must (the
# licence texts), and it stays lean. One line per crate of the repository,
# in publishing order; a crate not in the repository yet is skipped.
source "$(dirname "$0")/lib.sh"

# package DIR VERIFY: `cargo package` the crate in DIR, then print its size.
#   publish    `cargo package --all-features` (builds the packaged copy with
#              every feature, so a file the code includes and `include` in
#              Cargo.toml misses fails here), then `cargo publish --dry-run`
#              (the checks of a real upload, short of uploading).
#   no-verify  for a crate that depends on a sibling not yet on crates.io:
#              its packaged copy cannot build (cargo resolves the sibling
#              from the registry), so only its contents are checked; no
#              lockfile either, since writing one resolves the sibling too.
#              (Crates of one Cargo workspace escape this: `cargo package
#              --workspace` builds each against its freshly packaged siblings.)
# --allow-dirty: the check is what would be uploaded, also before a commit;
# `cargo publish` itself refuses a dirty tree. -q hides the expected
# "ignoring test/benchmark … not included" warnings: tests and benches stay
# in the repository on purpose (see `include` in Cargo.toml).
package() {
  local dir=$1 verify=$2 files
  if [ ! -f "$dir/Cargo.toml" ]; then echo "$dir: no crate here yet, skipped"; return; fi
  step "cargo package: $dir ($verify)"
  (
    cd "$dir"
    case "$verify" in
      publish)
        cargo package -q --allow-dirty --all-features
        cargo publish -q --allow-dirty --dry-run ;;
      no-verify) cargo package -q --allow-dirty --no-verify --exclude-lockfile ;;
      *) fail "package $dir: unknown mode $verify" ;;
    esac
    # Both licences require their text to travel with the code (a helper
    # crate symlinks the root's files; cargo packages the targets).
    files=$(cargo package -q --allow-dirty --exclude-lockfile --list)
    for file in LICENSE-MIT LICENSE-APACHE; do
      grep -qx "$file" <<<"$files" || fail "$dir: the package lacks $file"
    done
  )
  sizes+=("$(crate_size "$dir")")
}

# crate_size DIR: the .crate just written (the newest, in the crate's own
# target dir or a workspace's), its size and its number of files.
crate_size() {
  local crate
  crate=$( (ls -t target/package/*.crate "$1"/target/package/*.crate 2>/dev/null || true) | head -1)
  printf '%-26s %7s bytes  %3s files' "${crate##*/}" "$(stat -c %s "$crate")" \
    "$(tar -tzf "$crate" | grep -vc '/$')"
}

sizes=()
# A crate that depends on a sibling by path also names its version
# (`{ path = "…", version = "…" }`): `cargo publish` refuses a path alone.
package instrack-derive publish   # proc macros; depends on no sibling
package .               publish   # the library; `no-verify` while it depends on an unpublished instrack-derive
package instrack-cli    no-verify # depends on the library

step "package sizes"
printf '  %s\n' "${sizes[@]}"
