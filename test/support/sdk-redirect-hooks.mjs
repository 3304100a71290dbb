// Module resolution hooks for sdk-redirect.mjs: an @azure/* import made outside the SDK folder resolves as
// if made from that folder.
let sdkFolder;

export function initialize(data) {
  sdkFolder = data.parentURL;
}

export async function resolve(specifier, context, nextResolve) {
  const outside = !context.parentURL?.startsWith(sdkFolder);
  if (specifier.startsWith("@azure/") && outside) return nextResolve(specifier, { ...context, parentURL: `${sdkFolder}index.mjs` });
  return nextResolve(specifier, context);
}
