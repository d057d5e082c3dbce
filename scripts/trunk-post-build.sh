#!/usr/bin/env bash
# Trunk's post_build hook: builds the split main module into the staging
# directory (scripts/build-main-module.sh), then stamps the service worker
# with the final file list (scripts/stamp-service-worker.sh), in that order.
set -euo pipefail
stage="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/build-main-module.sh" "$stage"
bash "$here/stamp-service-worker.sh"
