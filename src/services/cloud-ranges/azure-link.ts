/**
 * Azure publishes Service Tags as a weekly file with a new URL each week
 * (`…/ServiceTags_Public_YYYYMMDD.json`), linked from the download page
 * https://www.microsoft.com/en-us/download/details.aspx?id=56519 and nowhere stable. This finds
 * the link in the page's HTML; when Microsoft changes the page, the fix is by hand (see
 * `azureManualHint`).
 */

export const AZURE_DOWNLOAD_PAGE = "https://www.microsoft.com/en-us/download/details.aspx?id=56519";

/** The newest `ServiceTags_Public_YYYYMMDD.json` link in the page, or undefined. */
export function findAzureServiceTagsLink(html: string): string | undefined {
  // The page embeds its data as JSON too, where "/" may be written "\/".
  const text = html.replaceAll("\\/", "/");
  const pattern = /https?:\/\/[^"'\s<>()]+\/ServiceTags_Public_(\d{8})\.json/g;
  let best: { url: string; date: string } | undefined;
  for (const match of text.matchAll(pattern)) {
    const date = match[1] ?? "";
    if (best === undefined || date > best.date) best = { url: match[0], date };
  }
  return best?.url;
}

/** `YYYY-MM-DD` from a `ServiceTags_Public_YYYYMMDD.json` URL, or "". */
export function azureLinkDate(url: string): string {
  const match = /ServiceTags_Public_(\d{4})(\d{2})(\d{2})\.json$/.exec(url);
  return match === null ? "" : `${match[1] ?? ""}-${match[2] ?? ""}-${match[3] ?? ""}`;
}

/** What to do by hand when the link cannot be found or fetched. */
export function azureManualHint(page: string, file: string): string {
  return (
    `download ServiceTags_Public_<date>.json from ${page} by hand and save it as ${file}, ` +
    `or run: az network list-service-tags --location eastus > ${file}`
  );
}
