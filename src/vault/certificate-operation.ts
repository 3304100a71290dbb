/**
 * The pending operation that makes a certificate version (Azure's CertificateOperation): it exists from create until
 * the certificate is issued, merged, cancelled or fails, and the SDK's create poller reads its status.
 */

/** The exact status strings clients compare against: the JS poller stops on anything but "inProgress". */
export const OPERATION_STATUSES = ["inProgress", "completed", "cancelled", "failed"] as const;
export type CertificateOperationStatus = (typeof OPERATION_STATUSES)[number];

export interface CertificateOperation {
  issuer: { name: string; certificateType: string | null; certificateTransparency: boolean | null };
  /** The PKCS#10 request (DER) for issuers that sign outside the vault; null once there is nothing to sign. */
  csr: Buffer | null;
  cancellationRequested: boolean;
  status: CertificateOperationStatus;
  statusDetails: string | null;
  error: { code: string; message: string } | null;
  /** The certificate the operation made, once completed: its id without a version. */
  target: string | null;
  requestId: string;
}
