#!/usr/bin/env bash
# Merge stage of the local demo: "merge" the workspace's commits.
set -euo pipefail
cat > /dev/null
echo "merged $(git rev-list --count HEAD 2>/dev/null || echo 0) commit(s) for $BATON_ISSUE_IDENTIFIER"
