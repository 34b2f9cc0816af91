// Rebuilds Token.bin (the creation bytecode, hex without 0x) from Token.sol with solcjs; nothing builds or tests with it:
//   npm install --prefix /tmp/solc solc@0.8.30 && NODE_PATH=/tmp/solc/node_modules node compile.js
// The settings are fixed (optimizer 200 runs, evmVersion cancun, no metadata hash) so that the same compiler gives the
// same bytes, and the code runs on any chain from cancun on (anvil's default hardfork included).
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const input = {
  language: 'Solidity',
  sources: { 'Token.sol': { content: fs.readFileSync(path.join(__dirname, 'Token.sol'), 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    metadata: { bytecodeHash: 'none' },
    outputSelection: { 'Token.sol': { Token: ['evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter(e => e.severity === 'error');
if (errors.length > 0) {
  console.error(errors.map(e => e.formattedMessage).join('\n'));
  process.exit(1);
}
fs.writeFileSync(path.join(__dirname, 'Token.bin'), output.contracts['Token.sol'].Token.evm.bytecode.object + '\n');
console.log(`Token.bin written with solc ${solc.version()}`);
