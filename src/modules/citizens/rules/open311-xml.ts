/**
 * Open311 GeoReport v2 answers in XML: a root element holding one element
 * per item, each field an element of its own (the spec's examples), and
 * errors as <errors><error><code/><description/></error></errors>.
 */
const escape = (text: string) => text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

function field(name: string, value: unknown, indent: string): string {
  if (value === null || value === undefined) return `${indent}<${name}/>`;
  if (Array.isArray(value)) {
    const inner = value.map((v) => (typeof v === 'object' && v !== null ? item(singular(name), v as Record<string, unknown>, `${indent}  `) : field(singular(name), v, `${indent}  `))).join('\n');
    return value.length === 0 ? `${indent}<${name}/>` : `${indent}<${name}>\n${inner}\n${indent}</${name}>`;
  }
  if (typeof value === 'object') return item(name, value as Record<string, unknown>, indent);
  return `${indent}<${name}>${escape(String(value))}</${name}>`;
}

function item(name: string, value: Record<string, unknown>, indent: string): string {
  const inner = Object.entries(value).map(([k, v]) => field(k, v, `${indent}  `)).join('\n');
  return `${indent}<${name}>\n${inner}\n${indent}</${name}>`;
}

/** keywords → keyword, endpoints → endpoint, attributes → attribute, values → value, formats → format. */
function singular(name: string): string {
  return name.endsWith('s') ? name.slice(0, -1) : name;
}

export function toXml(root: string, itemName: string, items: readonly Record<string, unknown>[]): string {
  const body = items.map((i) => item(itemName, i, '  ')).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>\n<${root}>${body ? `\n${body}\n` : ''}</${root}>\n`;
}

/** A single object as the root (discovery, a service definition). */
export function objectToXml(root: string, value: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${item(root, value, '')}\n`;
}
