#!/usr/bin/env bash
# Implement stage of the local demo: follow PLAN.md and commit a change in the workspace.
set -euo pipefail
cat > /dev/null
test -f PLAN.md || { echo "PLAN.md is missing: the plan stage did not run here" >&2; exit 1; }
echo "implementing $BATON_ISSUE_IDENTIFIER (attempt ${BATON_ATTEMPT:-first})"
echo "change for $BATON_ISSUE_IDENTIFIER at $(date -u +%FT%TZ)" >> CHANGES.md
git add -A >/dev/null && git -c user.name=baton -c user.email=baton@localhost commit -qm "Implement $BATON_ISSUE_IDENTIFIER" || true
echo '{"event":"notification","message":"committed CHANGES.md","usage":{"input_tokens":300,"output_tokens":90,"total_tokens":390}}'
