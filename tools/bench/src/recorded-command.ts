// The command line as a report records it (bench.json, bench.md): credentials are left out, since
// reports get shared and committed (README's example passes `--header "Authorization: Bearer $KEY"`).

const REDACTED = '[redacted]';

/** `Name: value` keeps its name; the value, an API key or token, is replaced. */
const redactHeader = (line: string) => {
  const colon = line.indexOf(':');
  return colon > 0 ? `${line.slice(0, colon)}: ${REDACTED}` : REDACTED;
};

/** A URL's user and password (`http://user:pass@host`), in each of a comma-separated list. */
const redactUrls = (urls: string) => urls.replace(/(\/\/)[^/@,]*@/g, `$1${REDACTED}@`);

const REDACT: Record<string, (value: string) => string> = { '--header': redactHeader, '--url': redactUrls };

/** Quoted as a POSIX shell would need it, so the recorded line can be pasted back. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/** The command for `argv` (already parsed, so every option's value is where parseArgs put it), redacted. */
export function recordedCommand(argv: string[]): string {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const equals = arg.indexOf('=');
    const inline = arg.startsWith('--') && equals > 0 ? REDACT[arg.slice(0, equals)] : undefined;
    if (inline) words.push(`${arg.slice(0, equals)}=${inline(arg.slice(equals + 1))}`);
    else if (REDACT[arg] && i + 1 < argv.length) words.push(arg, REDACT[arg](argv[++i]));
    else words.push(arg);
  }
  return ['npx nx run bench:run --', ...words.map(shellWord)].join(' ');
}
