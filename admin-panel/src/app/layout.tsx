import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AppFrame } from "@/components/AppFrame";
import "./globals.css";

export const metadata: Metadata = {
  title: "SaaS LiteLLM admin",
  description: "Organizations, teams, credits, models, jobs and usage.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <AppFrame>{children}</AppFrame>
      </body>
    </html>
  );
}
