// SPDX-License-Identifier: BSD-3-Clause
// iced-x86 side of the differential decoding test (tests/diff/README in
// docs/decoder-verification.md). iced-x86 is used only as a test oracle.
//
//   node iced_decode.js cases BITS VENDOR IN OUT
//     IN: records of 16 bytes (15 instruction bytes + 1 unused); OUT: one line
//     per record: "ok LEN TEXT", "invalid" or "more".
//   node iced_decode.js sweep BITS VENDOR IN OUT
//     IN: raw code bytes; linear sweep from offset 0, resynchronising one byte
//     after an invalid instruction (as objdump does); OUT: one line per
//     decode: "OFFSET ok LEN TEXT", "OFFSET invalid" or "OFFSET more".
// VENDOR: intel (DecoderOptions.None) or amd (DecoderOptions.AMD).
'use strict';
const fs = require('fs');
const path = require('path');
const iced = require(path.join(__dirname, 'node_modules', 'iced-x86'));

function main() {
    const [cmd, bitsStr, vendor, inFile, outFile] = process.argv.slice(2);
    const bits = Number(bitsStr);
    if (!['cases', 'sweep'].includes(cmd) || ![16, 32, 64].includes(bits) ||
        !['intel', 'amd'].includes(vendor) || !inFile || !outFile) {
        process.stderr.write('usage: iced_decode.js cases|sweep 16|32|64 intel|amd IN OUT\n');
        process.exit(2);
    }
    const data = new Uint8Array(fs.readFileSync(inFile));
    const opts = vendor === 'amd' ? iced.DecoderOptions.AMD : iced.DecoderOptions.None;
    const dec = new iced.Decoder(bits, data, opts);
    const fmt = new iced.Formatter(iced.FormatterSyntax.Intel);
    // objdump-like text, only for the mismatch report (never compared).
    fmt.uppercaseHex = false;
    fmt.hexPrefix = '0x';
    fmt.hexSuffix = '';
    fmt.spaceAfterOperandSeparator = true;
    fmt.memorySizeOptions = iced.MemorySizeOptions.Always;
    fmt.branchLeadingZeros = false;
    const ins = new iced.Instruction();
    const fd = fs.openSync(outFile, 'w');
    let out = [];
    let outLen = 0;
    const flush = () => {
        fs.writeSync(fd, out.join(''));
        out = [];
        outLen = 0;
    };
    const emit = (s) => {
        out.push(s);
        outLen += s.length;
        if (outLen > (1 << 20))
            flush();
    };
    const one = (pos) => {
        dec.position = pos;
        dec.ip = BigInt(cmd === 'sweep' ? pos : 0);
        dec.decodeOut(ins);
        const err = dec.lastError;
        if (err === iced.DecoderError.None)
            return [ins.length, 'ok ' + ins.length + ' ' + fmt.format(ins)];
        return [0, err === iced.DecoderError.NoMoreBytes ? 'more' : 'invalid'];
    };
    if (cmd === 'cases') {
        const n = Math.floor(data.length / 16);
        for (let i = 0; i < n; i++)
            emit(one(i * 16)[1] + '\n');
    } else {
        let pos = 0;
        while (pos < data.length) {
            const [len, line] = one(pos);
            emit(pos + ' ' + line + '\n');
            pos += len > 0 ? len : 1;
        }
    }
    flush();
    fs.closeSync(fd);
}

main();
