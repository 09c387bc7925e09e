#!/usr/bin/env bash
# Plan stage of the local demo: read the prompt, write PLAN.md into the workspace.
set -euo pipefail
prompt=$(cat)
echo "planning $BATON_ISSUE_IDENTIFIER in $PWD"
{
  echo "# Plan for $BATON_ISSUE_IDENTIFIER"
  echo
  echo "$prompt"
  echo
  echo "1. Write the change."
  echo "2. Review it."
} > PLAN.md
echo '{"event":"notification","message":"wrote PLAN.md","usage":{"input_tokens":120,"output_tokens":40,"total_tokens":160}}'
