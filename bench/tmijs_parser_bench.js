// tmi.js's parser on the same corpus as chat-parser-bench (one line each).
//   node bench/tmijs_parser_bench.js CORPUS TMIJS_DIR
// Prints JSON: messages/s for parser.msg alone (tags split, prefix,
// command, params: what BM_IrcParse does, minus our tag unescaping) and for
// parser.msg + badges + badgeInfo + emotes (what tmi.js's client does with
// every PRIVMSG: compare with BM_ChatMessageParse).
'use strict';
const fs = require('fs');
const path = require('path');
const parser = require(path.join(process.argv[3], 'lib', 'parser.js'));
const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.length > 0);

function run(fn, seconds) {
	// Warm up, then as many passes over the corpus as fit in `seconds`.
	for (let i = 0; i < 3; i++) lines.forEach(fn);
	let n = 0;
	const start = process.hrtime.bigint();
	const limit = BigInt(Math.round(seconds * 1e9));
	while (process.hrtime.bigint() - start < limit) {
		for (let i = 0; i < lines.length; i++) fn(lines[i]);
		n += lines.length;
	}
	const secs = Number(process.hrtime.bigint() - start) / 1e9;
	return n / secs;
}

let sink = 0;
const msgOnly = run((l) => { const m = parser.msg(l); sink += m.params.length; }, 2);
const full = run((l) => {
	const m = parser.msg(l);
	parser.badges(m.tags);
	parser.badgeInfo(m.tags);
	parser.emotes(m.tags);
	sink += m.params.length;
}, 2);
console.log(JSON.stringify({ lines: lines.length, msg_per_s: msgOnly, full_per_s: full, sink }));
