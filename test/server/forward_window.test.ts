import { describe, expect, it } from 'vitest';
import { ForwardWindow } from '../../src/server/forwarding.js';

describe('ForwardWindow', () => {
  it('admits new ids once and refuses duplicates', () => {
    const window = new ForwardWindow();
    expect(window.admit(2)).toBe('new');
    expect(window.admit(1)).toBe('new');
    expect(window.admit(2)).toBe('duplicate');
  });

  it('refuses ids below the window and forgets them, so memory stays bounded', () => {
    const window = new ForwardWindow();
    for (let id = 1; id <= ForwardWindow.SIZE + 10; id++) expect(window.admit(id)).toBe('new');
    expect(window.rememberedCount).toBe(ForwardWindow.SIZE);
    expect(window.admit(5)).toBe('too-old');
    expect(window.admit(ForwardWindow.SIZE + 10)).toBe('duplicate');
  });

  it('handles a huge jump from a peer without walking every id in between', () => {
    const window = new ForwardWindow();
    window.admit(1);
    window.admit(2);
    expect(window.admit(2 ** 50)).toBe('new');
    expect(window.rememberedCount).toBe(1);
    expect(window.admit(2)).toBe('too-old');
  });
});
