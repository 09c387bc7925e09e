// A minimal MCP server over stdio (newline-delimited JSON-RPC), for running the real Codex with an
// MCP tool offline: `initialize`, `tools/list` with one tool that may change data (`save_note`,
// annotated destructive so clients treat it as needing approval) and `tools/call`, which appends
// each call's arguments as one JSON line to the file named by the first argument.
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const callLog = process.argv[2];
const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);

const TOOL = {
  name: 'save_note',
  description: 'Save a note for the team.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined) return; // notifications need no answer
  switch (message.method) {
    case 'initialize':
      return send({ id: message.id, result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'probe', version: '1.0.0' } } });
    case 'tools/list':
      return send({ id: message.id, result: { tools: [TOOL] } });
    case 'tools/call':
      if (callLog) appendFileSync(callLog, `${JSON.stringify(message.params.arguments)}\n`);
      return send({ id: message.id, result: { content: [{ type: 'text', text: `saved note: ${message.params.arguments?.text ?? ''}` }] } });
    default:
      return send({ id: message.id, error: { code: -32601, message: `unsupported method ${message.method}` } });
  }
});
