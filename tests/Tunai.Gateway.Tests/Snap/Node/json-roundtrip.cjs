// Reads a JSON array of base64 bodies on stdin; prints the indexes whose bytes differ from
// JSON.stringify(JSON.parse(body)), each with what JavaScript wrote, as one JSON array.
'use strict';
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const bodies = JSON.parse(input);
  const failures = [];
  bodies.forEach((b64, i) => {
    const body = Buffer.from(b64, 'base64').toString('utf8');
    const again = JSON.stringify(JSON.parse(body));
    if (again !== body) {
      failures.push({ index: i, javascript: again });
    }
  });
  process.stdout.write(JSON.stringify({ checked: bodies.length, failures }));
});
