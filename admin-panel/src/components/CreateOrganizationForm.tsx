"use client";

import { useState, type FormEvent } from "react";
import { ErrorMessage, Field } from "@/components/ui";
import { api } from "@/lib/api";
import { useAction } from "@/lib/hooks";
import type { Organization } from "@/lib/types";
import { hasErrors, identifierError, parseJsonObject, requiredError, type FieldErrors } from "@/lib/validate";

export function CreateOrganizationForm({ onCreated }: { onCreated: (org: Organization) => void }) {
  const [organizationId, setOrganizationId] = useState("");
  const [name, setName] = useState("");
  const [metadata, setMetadata] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = parseJsonObject(metadata);
    const found: FieldErrors = {
      organization_id: identifierError(organizationId, "Organization id") ?? "",
      name: requiredError(name, "Name") ?? "",
      metadata: "error" in parsed ? `Metadata ${parsed.error}` : "",
    };
    setErrors(found);
    if (hasErrors(found) || "error" in parsed) return;
    const org = await run(() =>
      api.post<Organization>("/api/organizations/create", {
        organization_id: organizationId.trim(),
        name: name.trim(),
        metadata: parsed.value,
      }),
    );
    if (org) {
      setOrganizationId("");
      setName("");
      setMetadata("");
      onCreated(org);
    }
  }

  return (
    <form className="card form" onSubmit={submit} noValidate aria-label="create organization">
      <h2>New organization</h2>
      <div className="form-grid">
        <Field label="Organization id" name="organization_id" error={errors.organization_id} hint="e.g. org_acme; cannot change later">
          <input id="organization_id" value={organizationId} onChange={(e) => setOrganizationId(e.target.value)} />
        </Field>
        <Field label="Name" name="name" error={errors.name}>
          <input id="name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
      </div>
      <Field label="Metadata (JSON, optional)" name="metadata" error={errors.metadata}>
        <textarea id="metadata" rows={3} value={metadata} placeholder='{"plan": "pro"}'
          onChange={(e) => setMetadata(e.target.value)} />
      </Field>
      <ErrorMessage error={error} />
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? "Creating…" : "Create organization"}
      </button>
    </form>
  );
}
