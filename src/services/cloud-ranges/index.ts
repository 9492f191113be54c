export {
  CLOUD_RANGE_UPDATE_STATUSES,
  DEFAULT_CLOUD_RANGE_URLS,
  updateCloudRanges,
} from "./update-ranges.ts";
export type {
  CloudRangeSourceUpdate,
  CloudRangeUpdateStatus,
  CloudRangeUrls,
  CloudRangesUpdateReport,
  UpdateCloudRangesOptions,
} from "./update-ranges.ts";
export { renderUpdateReport } from "./render-report.ts";
export { AZURE_DOWNLOAD_PAGE, findAzureServiceTagsLink } from "./azure-link.ts";
