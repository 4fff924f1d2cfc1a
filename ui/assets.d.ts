/** Style sheets the build bundles into app.css (esbuild's CSS loader). */
declare module "*.css";
