"""Debian's Python Azure SDK (python3-azure) against a live `keyhold dev`, unmodified: each client with its
default api-version, and a plain DefaultAzureCredential() that reads dev.env (AZURE_*, HTTPS_PROXY,
REQUESTS_CA_BUNDLE, KEY_VAULT_URL).

Run by test/compat/python-sdk.test.ts as `/usr/bin/python3 test/compat/python-sdk.py` with dev.env's variables.
Prints one JSON object on stdout: {"api_versions", "secrets", "keys", "errors"}. Each section runs on its own, so
a failure in one still reports the other; a failure is also printed (traceback) on stderr and exits with 1.
"""
import base64
import hashlib
import json
import os
import sys
import traceback
import uuid

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, EncryptionAlgorithm, KeyWrapAlgorithm, SignatureAlgorithm
from azure.keyvault.secrets import SecretClient

# The message whose SHA-256 digest is signed with RS256 and ES256; the TS test verifies both signatures over it.
MESSAGE = b"Keyhold: Debian's python3-azure signs this message."


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def check(condition, what):
    if not condition:
        raise AssertionError(what)


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


def secrets_section(client: SecretClient, vault_url: str, credential, suffix: str) -> dict:
    name = f"py-secret-{suffix}"
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


def keys_section(client: KeyClient, vault_url: str, credential, suffix: str) -> dict:
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


def main() -> int:
    vault_url = os.environ["KEY_VAULT_URL"]
    credential = DefaultAzureCredential()
    suffix = uuid.uuid4().hex[:8]
    # Each client with its default api-version (what it sends as ?api-version=).
    secret_client = SecretClient(vault_url, credential)
    key_client = KeyClient(vault_url, credential)
    result = {"api_versions": {"secrets": secret_client.api_version, "keys": key_client.api_version}, "errors": {}}
    for section, run, client in (("secrets", secrets_section, secret_client), ("keys", keys_section, key_client)):
        try:
            result[section] = run(client, vault_url, credential, suffix)
        except Exception as error:  # pylint: disable=broad-except
            traceback.print_exc()
            result["errors"][section] = describe_error(error)
    print(json.dumps(result))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
