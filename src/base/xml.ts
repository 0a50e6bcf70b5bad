// Text for SVG and HTML reports: the one escaping routine every drawing uses.

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
