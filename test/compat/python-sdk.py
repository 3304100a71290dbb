"""Debian's Python Azure SDK (python3-azure) against a live `keyhold dev`, unmodified: each client with its
default api-version, and a plain DefaultAzureCredential() that reads dev.env (AZURE_*, HTTPS_PROXY,
REQUESTS_CA_BUNDLE, KEY_VAULT_URL).

Run by test/compat/python-sdk.test.ts as `/usr/bin/python3 test/compat/python-sdk.py` with dev.env's variables.
Prints one JSON object on stdout: "api_versions", "errors", and one entry per section of SECTIONS (secrets, keys,
certificates, certificate_lifecycle, certificate_import, certificate_backup). Each section runs on its own, so a
failure in one still reports the others; a failure is also printed (traceback) on stderr and exits with 1. A new
case is one more function of the Context in SECTIONS, and one more field of ScriptResult in the TS test.
"""
import base64
import datetime
import hashlib
import json
import os
import sys
import traceback
import uuid

from dataclasses import dataclass

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import DefaultAzureCredential
from azure.keyvault.certificates import (
    CertificateClient,
    CertificateContentType,
    CertificatePolicy,
    KeyCurveName,
    KeyType,
    KeyUsageType,
    KeyVaultCertificate,
)
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, EncryptionAlgorithm, KeyWrapAlgorithm, SignatureAlgorithm
from azure.keyvault.secrets import SecretClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    load_pem_private_key,
    pkcs12,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# The message whose SHA-256 digest is signed with RS256 and ES256; the TS test verifies both signatures over it.
MESSAGE = b"Keyhold: Debian's python3-azure signs this message."


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def check(condition, what):
    if not condition:
        raise AssertionError(what)


@dataclass
class Context:
    """What every section is given: one client of each kind (default api-versions), and a suffix for fresh names."""
    vault_url: str
    credential: DefaultAzureCredential
    suffix: str
    secrets: SecretClient
    keys: KeyClient
    certificates: CertificateClient


def describe_error(error: BaseException) -> dict:
    described = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, HttpResponseError):
        described["status"] = error.status_code
        if error.error is not None:
            described["code"] = error.error.code
        response = error.response
        if response is not None:
            request = response.request
            described["request"] = f"{request.method} {request.url}"
            try:
                described["body"] = response.text()
            except Exception:  # pylint: disable=broad-except
                pass
    return described


def secrets_section(ctx: Context) -> dict:
    client, vault_url = ctx.secrets, ctx.vault_url
    name = f"py-secret-{ctx.suffix}"
    out = {}

    stored = client.set_secret(name, "python value 1", content_type="text/plain", tags={"lang": "python"})
    check(stored.value == "python value 1", f"set_secret returned {stored.value!r}")
    check(stored.properties.content_type == "text/plain", "content type")
    check(stored.properties.tags == {"lang": "python"}, f"tags {stored.properties.tags!r}")
    check(stored.properties.vault_url == vault_url, f"vault_url {stored.properties.vault_url!r}")
    second = client.set_secret(name, "python value 2")

    got = client.get_secret(name)
    check(got.value == "python value 2", f"get_secret returned {got.value!r}")
    check(got.properties.version == second.properties.version, "latest version")
    first = client.get_secret(name, stored.properties.version)
    check(first.value == "python value 1", f"get_secret(version) returned {first.value!r}")
    out["get"] = got.value

    names = [p.name for p in client.list_properties_of_secrets()]
    check(name in names, f"{name} not in list_properties_of_secrets {names!r}")
    versions = [p.version for p in client.list_properties_of_secret_versions(name)]
    check(sorted(versions) == sorted([stored.properties.version, second.properties.version]), f"versions {versions!r}")
    out["listed"] = len(names)
    out["versions"] = len(versions)

    updated = client.update_secret_properties(name, second.properties.version, content_type="application/x-py",
                                              tags={"lang": "python", "updated": "yes"})
    check(updated.content_type == "application/x-py", f"updated content type {updated.content_type!r}")
    check(updated.tags == {"lang": "python", "updated": "yes"}, f"updated tags {updated.tags!r}")
    check(updated.updated_on >= updated.created_on, "updated_on")
    out["updated_content_type"] = updated.content_type

    deleted = client.begin_delete_secret(name).result()
    check(deleted.name == name and deleted.recovery_id, f"deleted secret {deleted!r}")
    got_deleted = client.get_deleted_secret(name)
    check(got_deleted.properties.version == second.properties.version, "get_deleted_secret version")
    check(got_deleted.deleted_date is not None and got_deleted.scheduled_purge_date is not None, "deletion dates")
    deleted_names = [d.name for d in client.list_deleted_secrets()]
    check(name in deleted_names, f"{name} not in list_deleted_secrets")
    try:
        client.get_secret(name)
        raise AssertionError("a deleted secret was still readable")
    except ResourceNotFoundError:
        pass

    recovered = client.begin_recover_deleted_secret(name).result()
    check(recovered.name == name, f"recovered {recovered!r}")
    check(client.get_secret(name).value == "python value 2", "recovered value")
    out["recovered"] = True

    client.begin_delete_secret(name).wait()
    client.purge_deleted_secret(name)
    try:
        client.get_deleted_secret(name)
        raise AssertionError("a purged secret was still in the deleted list")
    except ResourceNotFoundError:
        pass
    out["purged"] = True
    return out


def keys_section(ctx: Context) -> dict:
    client, vault_url, credential, suffix = ctx.keys, ctx.vault_url, ctx.credential, ctx.suffix
    out = {}
    digest = hashlib.sha256(MESSAGE).digest()

    rsa = client.create_rsa_key(f"py-rsa-{suffix}", size=2048)
    check(rsa.key_type == "RSA", f"kty {rsa.key_type!r}")
    check(len(rsa.key.n) == 256, f"RSA modulus of {len(rsa.key.n)} bytes")
    ec = client.create_ec_key(f"py-ec-{suffix}", curve="P-256")
    check(ec.key_type == "EC" and ec.key.crv == "P-256", f"EC key {ec.key_type!r} {ec.key.crv!r}")

    got = client.get_key(rsa.name)
    check(got.id == rsa.id and got.key.n == rsa.key.n, "get_key returns the created key")
    check(got.properties.vault_url == vault_url, f"vault_url {got.properties.vault_url!r}")
    names = [p.name for p in client.list_properties_of_keys()]
    check(rsa.name in names and ec.name in names, f"keys {names!r}")
    out["listed"] = len(names)

    # CryptographyClient from the key's id: it fetches the key once (keys/get), then does the public-key operations
    # (encrypt, verify, wrap) locally with `cryptography` and the private-key ones (sign, decrypt, unwrap) on the
    # service, so every pair below crosses between Python's crypto and Keyhold's.
    rsa_crypto = CryptographyClient(rsa.id, credential)
    signed = rsa_crypto.sign(SignatureAlgorithm.rs256, digest)
    check(signed.key_id == rsa.id, f"sign key id {signed.key_id!r}")
    check(rsa_crypto.verify(SignatureAlgorithm.rs256, digest, signed.signature).is_valid, "RS256 verify")
    check(not rsa_crypto.verify(SignatureAlgorithm.rs256, hashlib.sha256(b"other").digest(), signed.signature).is_valid,
          "RS256 verify accepted another digest")

    for algorithm in (EncryptionAlgorithm.rsa_oaep, EncryptionAlgorithm.rsa_oaep_256):
        plaintext = f"python {algorithm.value} plaintext".encode()
        encrypted = rsa_crypto.encrypt(algorithm, plaintext)
        check(len(encrypted.ciphertext) == 256, f"{algorithm.value} ciphertext of {len(encrypted.ciphertext)} bytes")
        decrypted = rsa_crypto.decrypt(algorithm, encrypted.ciphertext)
        check(decrypted.plaintext == plaintext, f"{algorithm.value} round trip gave {decrypted.plaintext!r}")

    cek = os.urandom(32)
    wrapped = rsa_crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep_256, cek)
    unwrapped = rsa_crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, wrapped.encrypted_key)
    check(unwrapped.key == cek, "RSA-OAEP-256 wrap/unwrap round trip")
    out["rsa_roundtrips"] = ["RSA-OAEP", "RSA-OAEP-256", "wrap RSA-OAEP-256"]

    ec_crypto = CryptographyClient(ec.id, credential)
    ec_signed = ec_crypto.sign(SignatureAlgorithm.es256, digest)
    check(len(ec_signed.signature) == 64, f"ES256 signature of {len(ec_signed.signature)} bytes (want r||s)")
    check(ec_crypto.verify(SignatureAlgorithm.es256, digest, ec_signed.signature).is_valid, "ES256 verify")

    out["message"] = MESSAGE.decode()
    out["rsa"] = {"kid": rsa.id, "n": b64url(rsa.key.n), "e": b64url(rsa.key.e), "rs256": b64url(signed.signature)}
    out["ec"] = {"kid": ec.id, "crv": ec.key.crv, "x": b64url(ec.key.x), "y": b64url(ec.key.y),
                 "es256": b64url(ec_signed.signature)}
    return out


def integer(data: bytes) -> int:
    return int.from_bytes(data, "big")


def created(ctx: Context, name: str, policy: CertificatePolicy, **kwargs) -> KeyVaultCertificate:
    """begin_create_certificate polled to the end, as an application waits for it: the certificate it gives."""
    result = ctx.certificates.begin_create_certificate(name, policy, **kwargs).result()
    check(result is not None, f"create {name}: the poller gave None (it polls only when the create answer says inProgress)")
    check(isinstance(result, KeyVaultCertificate), f"create {name} ended with {result!r}")
    return result


def parsed(certificate: KeyVaultCertificate) -> x509.Certificate:
    """The certificate's `cer` read by `cryptography` (OpenSSL), checked against the bundle's own fields."""
    check(certificate.cer, f"{certificate.name} has no cer")
    cert = x509.load_der_x509_certificate(bytes(certificate.cer))
    thumbprint = hashlib.sha1(certificate.cer).digest()
    check(certificate.properties.x509_thumbprint == thumbprint, "x509_thumbprint is not the SHA-1 of cer")
    check(cert.issuer == cert.subject, f"a Self certificate issued by {cert.issuer.rfc4514_string()}")
    check(certificate.properties.not_before == cert.not_valid_before.replace(tzinfo=certificate.properties.not_before.tzinfo),
          "not_before differs from the certificate's")
    check(certificate.properties.expires_on == cert.not_valid_after.replace(tzinfo=certificate.properties.expires_on.tzinfo),
          "expires_on differs from the certificate's")
    return cert


def common_name(cert: x509.Certificate) -> str:
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def managed_key_jwk(ctx: Context, certificate: KeyVaultCertificate, cert: x509.Certificate) -> dict:
    """The certificate's key through KeyClient: managed, of the same version, and the certificate's public key."""
    key = ctx.keys.get_key(certificate.name)
    check(key.id == certificate.key_id, f"key id {key.id!r}, certificate kid {certificate.key_id!r}")
    check(key.properties.managed is True, f"the certificate's key has managed={key.properties.managed!r}")
    public = cert.public_key()
    if key.key_type == "RSA":
        check(isinstance(public, rsa.RSAPublicKey), f"an RSA key with a {type(public).__name__} certificate")
        numbers = public.public_numbers()
        check((integer(key.key.n), integer(key.key.e)) == (numbers.n, numbers.e), "RSA JWK is not the certificate's key")
        return {"kty": "RSA", "n": b64url(key.key.n), "e": b64url(key.key.e)}
    check(isinstance(public, ec.EllipticCurvePublicKey), f"an EC key with a {type(public).__name__} certificate")
    numbers = public.public_numbers()
    check((integer(key.key.x), integer(key.key.y)) == (numbers.x, numbers.y), "EC JWK is not the certificate's key")
    return {"kty": "EC", "crv": key.key.crv, "x": b64url(key.key.x), "y": b64url(key.key.y)}


def certificate_secret(ctx: Context, certificate: KeyVaultCertificate, cert: x509.Certificate) -> str:
    """SecretClient.get_secret(name): the certificate with its private key, which must be the certificate's."""
    secret = ctx.secrets.get_secret(certificate.name)
    check(secret.id == certificate.secret_id, f"secret id {secret.id!r}, certificate sid {certificate.secret_id!r}")
    check(secret.properties.managed is True, f"the certificate's secret has managed={secret.properties.managed!r}")
    content_type = secret.properties.content_type
    if content_type == CertificateContentType.pkcs12:
        key, in_pfx, chain = pkcs12.load_key_and_certificates(base64.b64decode(secret.value), None)
        check(in_pfx is not None and in_pfx.public_bytes(Encoding.DER) == bytes(certificate.cer), "the PFX's certificate")
        check(chain == [], f"a Self certificate's PFX with {len(chain)} chain certificates")
    else:
        check(content_type == CertificateContentType.pem, f"secret content type {content_type!r}")
        key = load_pem_private_key(secret.value.encode(), None)
        in_pem = x509.load_pem_x509_certificate(secret.value.encode())
        check(in_pem.public_bytes(Encoding.DER) == bytes(certificate.cer), "the PEM's certificate")
    check(key is not None and key.public_key().public_numbers() == cert.public_key().public_numbers(),
          f"the {content_type} secret's private key does not belong to the certificate")
    return content_type


def certificates_section(ctx: Context) -> dict:
    """Create with the default policy (twice: two versions) and with a custom EC policy; read everything back."""
    client = ctx.certificates
    name = f"py-cert-{ctx.suffix}"
    out = {}

    first = created(ctx, name, CertificatePolicy.get_default())
    second = created(ctx, name, CertificatePolicy.get_default(), tags={"lang": "python"})
    check(second.properties.version != first.properties.version, "a second create made no new version")
    latest = client.get_certificate(name)
    check(latest.properties.version == second.properties.version, "get_certificate is not the latest version")
    check(latest.properties.tags == {"lang": "python"}, f"tags {latest.properties.tags!r}")
    check(latest.properties.vault_url == ctx.vault_url, f"vault_url {latest.properties.vault_url!r}")
    check(latest.key_id == f"{ctx.vault_url}/keys/{name}/{second.properties.version}", f"kid {latest.key_id!r}")
    check(latest.secret_id == f"{ctx.vault_url}/secrets/{name}/{second.properties.version}", f"sid {latest.secret_id!r}")
    older = client.get_certificate_version(name, first.properties.version)
    check(older.properties.version == first.properties.version and older.cer == first.cer, "get_certificate_version")
    check(older.cer != latest.cer, "two versions with the same certificate")
    cert = parsed(latest)
    check(common_name(cert) == "DefaultPolicy", f"subject {cert.subject.rfc4514_string()}")

    policy = client.get_certificate_policy(name)
    check(policy.issuer_name == "Self", f"issuer {policy.issuer_name!r}")
    check(policy.subject == "CN=DefaultPolicy", f"policy subject {policy.subject!r}")
    check((policy.key_type, policy.key_size) == (KeyType.rsa, 2048), f"key {policy.key_type!r} {policy.key_size!r}")
    check(policy.content_type == CertificateContentType.pkcs12, f"content type {policy.content_type!r}")

    updated = client.update_certificate_properties(name, tags={"lang": "python", "updated": "yes"})
    check(updated.properties.tags == {"lang": "python", "updated": "yes"}, f"updated tags {updated.properties.tags!r}")
    check(updated.properties.version == second.properties.version, "update_certificate_properties changed another version")
    versions = [p.version for p in client.list_properties_of_certificate_versions(name)]
    check(sorted(versions) == sorted([first.properties.version, second.properties.version]), f"versions {versions!r}")

    out["default"] = {"name": name, "version": latest.properties.version, "versions": len(versions),
                      "cer": b64url(latest.cer), "jwk": managed_key_jwk(ctx, latest, cert),
                      "secret_content_type": certificate_secret(ctx, latest, cert)}

    custom_name = f"py-cert-ec-{ctx.suffix}"
    custom_policy = CertificatePolicy(
        issuer_name="Self", subject="CN=py.keyhold.test, O=Keyhold Python", san_dns_names=["py.keyhold.test", "api.py.keyhold.test"],
        key_type=KeyType.ec, key_curve_name=KeyCurveName.p_384, exportable=True, content_type=CertificateContentType.pem,
        key_usage=[KeyUsageType.digital_signature], enhanced_key_usage=[ExtendedKeyUsageOID.SERVER_AUTH.dotted_string],
        validity_in_months=6)
    custom = created(ctx, custom_name, custom_policy)
    custom_cert = parsed(custom)
    check(common_name(custom_cert) == "py.keyhold.test", f"subject {custom_cert.subject.rfc4514_string()}")
    organisation = custom_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    check([a.value for a in organisation] == ["Keyhold Python"], f"subject {custom_cert.subject.rfc4514_string()}")
    sans = custom_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    check(sans.get_values_for_type(x509.DNSName) == ["py.keyhold.test", "api.py.keyhold.test"], f"SANs {sans!r}")
    check(custom_cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature, "key usage")
    ekus = list(custom_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    check(ekus == [ExtendedKeyUsageOID.SERVER_AUTH], f"EKUs {ekus!r}")
    days = (custom_cert.not_valid_after - custom_cert.not_valid_before).days
    check(181 <= days <= 184, f"6 months of validity are {days} days")
    custom_read = client.get_certificate_policy(custom_name)
    check((custom_read.key_type, custom_read.key_curve_name) == (KeyType.ec, KeyCurveName.p_384), "custom key type")
    check(custom_read.san_dns_names == ["py.keyhold.test", "api.py.keyhold.test"], f"SANs {custom_read.san_dns_names!r}")
    check(custom_read.validity_in_months == 6, f"validity {custom_read.validity_in_months!r}")
    out["custom"] = {"name": custom_name, "cer": b64url(custom.cer), "jwk": managed_key_jwk(ctx, custom, custom_cert),
                     "secret_content_type": certificate_secret(ctx, custom, custom_cert)}

    listed = [p.name for p in client.list_properties_of_certificates()]
    check(name in listed and custom_name in listed, f"list_properties_of_certificates {listed!r}")
    out["listed"] = len(listed)
    return out


def certificate_lifecycle_section(ctx: Context) -> dict:
    """Delete takes the certificate's key and secret with it; recover brings all three back; purge removes them."""
    client = ctx.certificates
    name = f"py-cert-gone-{ctx.suffix}"
    certificate = created(ctx, name, CertificatePolicy.get_default())
    out = {}

    deleted = client.begin_delete_certificate(name).result()
    check(deleted.name == name and deleted.recovery_id, f"deleted certificate {deleted!r}")
    check(deleted.deleted_on is not None and deleted.scheduled_purge_date is not None, "deletion dates")
    got_deleted = client.get_deleted_certificate(name)
    check(got_deleted.properties.version == certificate.properties.version, "get_deleted_certificate version")
    check(got_deleted.cer == certificate.cer, "get_deleted_certificate cer")
    check(name in [d.name for d in client.list_deleted_certificates()], f"{name} not in list_deleted_certificates")
    for what, read in (("certificate", client.get_certificate), ("key", ctx.keys.get_key), ("secret", ctx.secrets.get_secret)):
        try:
            read(name)
            raise AssertionError(f"the deleted certificate's {what} was still readable")
        except ResourceNotFoundError:
            pass
    out["deleted_with_key_and_secret"] = True

    recovered = client.begin_recover_deleted_certificate(name).result()
    check(recovered.properties.version == certificate.properties.version, f"recovered {recovered!r}")
    check(ctx.keys.get_key(name).properties.version == certificate.properties.version, "recovered key")
    check(ctx.secrets.get_secret(name).properties.version == certificate.properties.version, "recovered secret")
    out["recovered"] = True

    client.begin_delete_certificate(name).wait()
    client.purge_deleted_certificate(name)
    for what, read in (("certificate", client.get_deleted_certificate), ("key", ctx.keys.get_deleted_key),
                       ("secret", ctx.secrets.get_deleted_secret)):
        try:
            read(name)
            raise AssertionError(f"the purged certificate's {what} was still in the deleted list")
        except ResourceNotFoundError:
            pass
    out["purged"] = True
    return out


def outside_certificate(common: str, key) -> x509.Certificate:
    """A self-signed certificate made here, with `cryptography`: what a team brings to import."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(common)]), critical=False)
            .sign(key, hashes.SHA256()))


def check_imported(ctx: Context, imported: KeyVaultCertificate, cert: x509.Certificate, key) -> dict:
    """The imported certificate is the one sent, its key is the one in the PFX, and its secret gives both back."""
    check(bytes(imported.cer) == cert.public_bytes(Encoding.DER), "the imported cer is not the certificate sent")
    parsed(imported)
    jwk = managed_key_jwk(ctx, imported, cert)
    check(certificate_secret(ctx, imported, cert) == CertificateContentType.pkcs12, "the imported secret is not a PFX")
    pfx_key, _, _ = pkcs12.load_key_and_certificates(base64.b64decode(ctx.secrets.get_secret(imported.name).value), None)
    check(pfx_key.private_numbers() == key.private_numbers(), "the secret's private key is not the one imported")
    policy = ctx.certificates.get_certificate_policy(imported.name)
    check(policy.subject == cert.subject.rfc4514_string(), f"policy subject {policy.subject!r}")
    check(policy.san_dns_names == [common_name(cert)], f"policy SANs {policy.san_dns_names!r}")
    return {"name": imported.name, "cer": b64url(imported.cer), "jwk": jwk, "key_type": policy.key_type}


def certificate_import_section(ctx: Context) -> dict:
    """import_certificate with PFX files made here: password-protected (RSA) and without a password (EC)."""
    client = ctx.certificates
    out = {}

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_cert = outside_certificate("py-import-rsa.keyhold.test", rsa_key)
    password = f"py pfx password {ctx.suffix}"
    protected = pkcs12.serialize_key_and_certificates(b"py-import", rsa_key, rsa_cert, None,
                                                      BestAvailableEncryption(password.encode()))
    name = f"py-import-rsa-{ctx.suffix}"
    try:
        client.import_certificate(name, protected, password="not the password")
        raise AssertionError("a PFX was imported with the wrong password")
    except HttpResponseError as error:
        check(error.status_code == 400, f"wrong password: {error.status_code}")
    try:
        client.get_certificate(name)
        raise AssertionError("the refused import stored a certificate")
    except ResourceNotFoundError:
        pass
    imported = client.import_certificate(name, protected, password=password, tags={"source": "pfx"})
    check(imported.properties.tags == {"source": "pfx"}, f"tags {imported.properties.tags!r}")
    out["with_password"] = check_imported(ctx, imported, rsa_cert, rsa_key)

    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_cert = outside_certificate("py-import-ec.keyhold.test", ec_key)
    clear = pkcs12.serialize_key_and_certificates(b"py-import-ec", ec_key, ec_cert, None, NoEncryption())
    imported_ec = client.import_certificate(f"py-import-ec-{ctx.suffix}", clear)
    out["without_password"] = check_imported(ctx, imported_ec, ec_cert, ec_key)
    return out


def certificate_backup_section(ctx: Context) -> dict:
    """backup_certificate, purge, restore_certificate_backup: the certificate comes back with its key and secret."""
    client = ctx.certificates
    name = f"py-cert-backup-{ctx.suffix}"
    certificate = created(ctx, name, CertificatePolicy.get_default(), tags={"backed": "up"})
    cert = parsed(certificate)
    out = {}

    backup = client.backup_certificate(name)
    check(len(backup) > len(certificate.cer), f"a backup of {len(backup)} bytes")
    check(bytes(certificate.cer) not in backup, "the backup holds the certificate in clear: it is not sealed")
    client.begin_delete_certificate(name).wait()
    client.purge_deleted_certificate(name)
    for read in (client.get_deleted_certificate, ctx.keys.get_deleted_key, ctx.secrets.get_deleted_secret):
        try:
            read(name)
            raise AssertionError(f"{read.__name__}({name}) after the purge")
        except ResourceNotFoundError:
            pass

    restored = client.restore_certificate_backup(backup)
    check(restored.name == name and restored.properties.version == certificate.properties.version, f"restored {restored!r}")
    check(restored.cer == certificate.cer, "the restored certificate differs")
    check(restored.properties.tags == {"backed": "up"}, f"restored tags {restored.properties.tags!r}")
    managed_key_jwk(ctx, restored, cert)
    certificate_secret(ctx, restored, cert)
    out["restored"] = True
    try:
        client.restore_certificate_backup(backup)
        raise AssertionError("a backup was restored over a certificate of the same name")
    except HttpResponseError as error:
        out["restore_again_status"] = error.status_code
    return out


# Each section runs on its own: a failure in one is reported under its name, and the others still run.
SECTIONS = (
    ("secrets", secrets_section),
    ("keys", keys_section),
    ("certificates", certificates_section),
    ("certificate_lifecycle", certificate_lifecycle_section),
    ("certificate_import", certificate_import_section),
    ("certificate_backup", certificate_backup_section),
)


def main() -> int:
    vault_url = os.environ["KEY_VAULT_URL"]
    credential = DefaultAzureCredential()
    # Each client with its default api-version (what it sends as ?api-version=).
    ctx = Context(vault_url=vault_url, credential=credential, suffix=uuid.uuid4().hex[:8],
                  secrets=SecretClient(vault_url, credential), keys=KeyClient(vault_url, credential),
                  certificates=CertificateClient(vault_url, credential))
    api_versions = {"secrets": ctx.secrets.api_version, "keys": ctx.keys.api_version,
                    "certificates": ctx.certificates.api_version}
    result = {"api_versions": api_versions, "errors": {}}
    for section, run in SECTIONS:
        try:
            result[section] = run(ctx)
        except Exception as error:  # pylint: disable=broad-except
            traceback.print_exc()
            result["errors"][section] = describe_error(error)
    print(json.dumps(result))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
