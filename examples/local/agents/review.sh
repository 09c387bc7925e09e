#!/usr/bin/env bash
# Review stage of the local demo: an "AI reviewer" that approves when CHANGES.md exists, through
# the tracker tool Baton runs host-side (the agent never sees tracker credentials).
set -euo pipefail
cat > /dev/null
if test -s CHANGES.md; then
  echo "reviewed $BATON_ISSUE_IDENTIFIER: looks good"
  echo '{"tool":"file_issue_update","arguments":{"add_labels":["approved"]}}'
else
  echo "reviewed $BATON_ISSUE_IDENTIFIER: nothing to review"
  echo '{"tool":"file_issue_update","arguments":{"add_labels":["changes-requested"]}}'
fi
