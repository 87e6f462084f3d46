// The exo VS Code extension: starts `exo lsp` and connects it to .exo files.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function createClient() {
  const config = vscode.workspace.getConfiguration('exo');
  const command = config.get('path') || 'exo';
  const serverOptions = {
    run: { command, args: ['lsp'], transport: TransportKind.stdio },
    debug: { command, args: ['lsp', '--verbose'], transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'exo' }],
    synchronize: {
      // Files changed outside the editor (git checkout, a formatter) trigger
      // a recompile.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{exo,ts,js}'),
    },
  };
  return new LanguageClient('exo', 'exo language server', serverOptions, clientOptions);
}

async function activate(context) {
  client = createClient();
  context.subscriptions.push(
    vscode.commands.registerCommand('exo.restartServer', async () => {
      if (client) {
        await client.stop();
      }
      client = createClient();
      await client.start();
    }),
  );
  try {
    await client.start();
  } catch (err) {
    vscode.window.showErrorMessage(
      `Could not start the exo language server (${err.message}). Install exo and make sure it is on PATH, or set "exo.path".`,
    );
  }
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
