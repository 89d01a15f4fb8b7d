// A static export: `next build` writes plain files to out/, which realistic-server serves.
/** @type {import('next').NextConfig} */
module.exports = {
  output: 'export',
  // Next's default build id is random per build (it names out/_next/static/<id>/ and is embedded
  // in every page), so an unchanged UI would give a new layer each time: make it a constant,
  // overridable with UI_BUILD_ID.
  generateBuildId: async () => process.env.UI_BUILD_ID || 'realistic-ui-1.0.0',
  // next/image's optimizer needs a server; a static export serves images as they are.
  images: { unoptimized: true },
  reactStrictMode: true,
};
