// A new virtual key: shown once, right after it is minted, never again.
"use client";

import type { ReactNode } from "react";
import { CopyButton } from "@/components/ui";

export function KeyReveal({ heading, virtualKey, onDone }: { heading: ReactNode; virtualKey: string; onDone: () => void }) {
  return (
    <section className="card key-reveal" data-testid="key-reveal" aria-label="new virtual key">
      <h2>{heading}</h2>
      <p>
        This is the team&apos;s virtual key. <strong>It is shown only this once</strong>: copy it now and give it to the
        team. Only its hash is stored, so it cannot be shown again.
      </p>
      <div className="key-row">
        <code data-testid="virtual-key">{virtualKey}</code>
        <CopyButton text={virtualKey} label="Copy key" />
      </div>
      <button type="button" className="button" onClick={onDone}>
        I have stored the key
      </button>
    </section>
  );
}
