import type { NextConfig } from "next";

// A static export: `make panel` builds it into out/, which `make up` serves on :3002.
// Everything runs in the browser and talks only to the SaaS API (see src/lib/config.ts).
const nextConfig: NextConfig = {
  output: "export",
  trailingSlash: true,
  images: { unoptimized: true },
  poweredByHeader: false,
};

export default nextConfig;
