# Sourced by the browser benchmark scripts (bench-catalog.sh,
# bench-models.sh): installs what is missing, builds the app and the
# release server, and exports the paths the Node scripts read. Expects
# `root` (the repository) to be set.
. "$root/scripts/setup.sh" --browser
cd "$root"
"$root/scripts/build-app.sh"
cargo build --release -p server
export MLTRAINER_SERVER_BIN="$root/target/release/mltrainer-server"
export MLTRAINER_DIST="$root/dist"
