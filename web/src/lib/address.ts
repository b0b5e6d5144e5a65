/**
 * How a toast shows the customer's address, by media. `ToastView.address` is the customer
 * participant's address as Genesys sends it: the conversation participant's `address`, else its
 * `ani` (`MyPureCloud/platform-client-sdk-javascript` `build/index.d.ts`, e.g.
 * `QueueConversationCallEventTopicCallMediaParticipant.address` / `.ani`,
 * `QueueConversationEmailEventTopicEmailMediaParticipant.address`,
 * `QueueConversationChatEventTopicChatMediaParticipant.address`), or a callback's first
 * `callbackNumbers` entry. A call's is `tel:+13175550123` or `+13175550123`, or a `sip:` URI; an
 * e-mail's is the sender's address; a chat's or message's is a web-chat or messaging id (a
 * phone number too, for SMS or WhatsApp, but not one this agent can dial back from a toast).
 */

export type CallerAddress =
  /** A number to dial: `href` is a `tel:` URI. */
  | { kind: 'tel'; text: string; href: string }
  /** An address to write to: `href` is a `mailto:` URI. */
  | { kind: 'mailto'; text: string; href: string }
  /** Shown as it is, no link. */
  | { kind: 'text'; text: string };

/** Media whose customer address is a number (or SIP URI) to call. */
const CALL_MEDIA = new Set(['voice', 'call', 'callback']);
const EMAIL_MEDIA = new Set(['email']);

/** E.164 allows 15 digits; short codes and extensions have at least 3. */
const PHONE = /^\+?[0-9(][0-9 ().-]*$/;
const MIN_DIGITS = 3;
const MAX_DIGITS = 15;

/** A pragmatic e-mail address (no quoted local parts, no comments, no IP-literal domains). */
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;

/** `tel:` URI of a phone number as Genesys sends it (`tel:+1…`, `+1…`, `(317) 555-0123`). */
export function telUri(address: string): string | undefined {
  let number = address.trim();
  if (/^tel:/i.test(number)) number = number.slice(4);
  // RFC 3966 parameters (`;ext=12`, `;phone-context=…`) are not part of the digits.
  const [main = '', ...params] = number.split(';');
  if (!PHONE.test(main)) return undefined;
  const digits = main.replace(/\D/g, '');
  if (digits.length < MIN_DIGITS || digits.length > MAX_DIGITS) return undefined;
  const ext = params.map((p) => /^ext=(\d{1,10})$/i.exec(p)?.[1]).find(Boolean);
  return `tel:${main.startsWith('+') ? '+' : ''}${digits}${ext ? `;ext=${ext}` : ''}`;
}

/** The bare address of `mailto:a@b.c` or `Name <a@b.c>`, when it is an e-mail address. */
export function emailOf(address: string): string | undefined {
  let value = address.trim();
  const angle = /<([^<>]+)>\s*$/.exec(value);
  if (angle) value = angle[1]!.trim();
  if (/^mailto:/i.test(value)) value = value.slice(7);
  return EMAIL.test(value) ? value : undefined;
}

/** Shown text: a `tel:` prefix is noise to a person. */
function displayOf(address: string): string {
  return address.replace(/^tel:/i, '');
}

/**
 * The address to show for a conversation of `media`: a `tel:` link for a call or callback
 * whose address is a phone number, a `mailto:` link for an e-mail, plain text for the rest
 * (chat and messaging ids, SIP URIs, anything that does not parse). Undefined when empty.
 */
export function callerAddress(
  media: string | undefined,
  address: string | undefined,
): CallerAddress | undefined {
  const text = address?.trim();
  if (!text) return undefined;
  const kind = (media ?? '').toLowerCase();
  if (CALL_MEDIA.has(kind)) {
    const href = telUri(text);
    return href ? { kind: 'tel', text: displayOf(text), href } : { kind: 'text', text };
  }
  if (EMAIL_MEDIA.has(kind)) {
    const email = emailOf(text);
    if (email) {
      const at = email.lastIndexOf('@');
      const href = `mailto:${encodeURIComponent(email.slice(0, at))}@${email.slice(at + 1)}`;
      return { kind: 'mailto', text, href };
    }
  }
  return { kind: 'text', text };
}
