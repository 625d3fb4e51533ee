import type { LetterParties } from './letter-prompts';
import { SECTION_HEADINGS, SECTION_KEYS, SectionKey } from './letter.schemas';

// The letter a client receives: greeting, the sections under their headings, sign-off. The streamed
// letter is built from the same pieces, so its text equals the final letter's text.

export function letterOpening(parties: LetterParties): string {
  return `Dear ${parties.clientName},\n\n`;
}

export function sectionOpening(key: SectionKey, index: number): string {
  return `${index === 0 ? '' : '\n\n'}${SECTION_HEADINGS[key]}\n`;
}

export function letterClosing(parties: LetterParties): string {
  const signature = [parties.adviserName, parties.organisation].filter(Boolean).join('\n');
  return `\n\nYours sincerely,${signature ? `\n${signature}` : ''}\n`;
}

export function isSectionKey(key: string): key is SectionKey {
  return (SECTION_KEYS as readonly string[]).includes(key);
}

/** The whole letter; sections in the order the model wrote them (the order a stream showed them). */
export function letterText(sections: Partial<Record<SectionKey, string>>, parties: LetterParties): string {
  const keys = Object.keys(sections).filter(isSectionKey);
  return (
    letterOpening(parties) +
    keys.map((key, index) => sectionOpening(key, index) + sections[key]).join('') +
    letterClosing(parties)
  );
}
