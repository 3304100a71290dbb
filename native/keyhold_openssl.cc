/*
 * keyhold_openssl: a thin N-API binding to the OpenSSL that Node itself carries.
 *
 * It exists for the three things Azure Key Vault's API needs and node:crypto (Node 20, OpenSSL 3.0) cannot do:
 *   - sign a digest the client already computed (RS*, PS*, ES*): EVP_PKEY_sign signs its input as given;
 *   - verify a signature over such a digest: EVP_PKEY_verify;
 *   - RSAES-PKCS1-v1_5 decryption (RSA1_5) that is not a padding oracle: the raw RSA operation through
 *     EVP_PKEY_decrypt with RSA_NO_PADDING (OpenSSL blinds it), then unpadding with implicit rejection as in
 *     draft-irtf-cfrg-rsa-guidance-10 ("Implementation Guidance for the PKCS #1 RSA Cryptography
 *     Specification") §7, the algorithm OpenSSL 3.2+ applies by default. ("The draft" below.)
 * And one thing node:crypto does, only slower: AES-GCM of a whole message in one call, for the hot paths (the
 * envelope around every stored value, the keys API's A*GCM), without a Cipheriv object per message.
 * And RSA padding without the key operation (OAEP decoding, PSS encoding, PKCS #1 v1.5 decoding with implicit
 * rejection), for tokens that offer only the raw RSA private operation (CKM_RSA_X_509) for a scheme Key Vault needs.
 *
 * No cryptographic primitive is implemented here: RSA, ECDSA, SHA-2, HMAC and AES-GCM all come from OpenSSL. What is
 * here is argument checking, the DER <-> IEEE P1363 conversion of ECDSA signatures, and the constant-time
 * selection logic of the implicit-rejection unpadding.
 *
 * Nothing is linked: the OpenSSL symbols resolve at load time from the node binary (or from the libcrypto a
 * shared-OpenSSL build of Node has loaded).
 *
 * Every private-key operation runs on the libuv thread pool (napi_create_async_work). Each job holds its
 * own reference to the EVP_PKEY (EVP_PKEY_up_ref), so a key handle collected mid-job stays valid, and clears
 * the worker thread's OpenSSL error queue before it returns, so nothing leaks into Node's own crypto jobs.
 */
#include <node_api.h>

/*
 * OpenSSL 3.0 deprecated the RSA_padding_* functions (and the RSA type they take): its EVP interface pads only as
 * part of the key operation. Padding alone is what the raw RSA of a token needs, so this file sees the deprecated
 * declarations. The compiler still warns on any deprecated call (-Wdeprecated-declarations), except in the two
 * places below that mean to make one and say so.
 */
#undef OPENSSL_NO_DEPRECATED

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------------ */
/* Algorithms                                                                                             */
/* ------------------------------------------------------------------------------------------------------ */

typedef enum { SCHEME_RSA_PKCS1, SCHEME_RSA_PSS, SCHEME_ECDSA } Scheme;

typedef struct {
  const char* name;
  Scheme scheme;
  size_t digest_len; /* the hash the alg names: 32, 48 or 64 bytes */
  int curve_nid;     /* ECDSA only */
  size_t coord_len;  /* ECDSA only: size of r and of s in the JWS form, RFC 7518 §3.4 */
} AlgSpec;

/* RFC 7518 §3.3 (RS*), §3.5 (PS*), §3.4 (ES*); ES256K from RFC 8812 §3.2. */
static const AlgSpec kAlgs[] = {
    {"RS256", SCHEME_RSA_PKCS1, 32, NID_undef, 0},
    {"RS384", SCHEME_RSA_PKCS1, 48, NID_undef, 0},
    {"RS512", SCHEME_RSA_PKCS1, 64, NID_undef, 0},
    {"PS256", SCHEME_RSA_PSS, 32, NID_undef, 0},
    {"PS384", SCHEME_RSA_PSS, 48, NID_undef, 0},
    {"PS512", SCHEME_RSA_PSS, 64, NID_undef, 0},
    {"ES256", SCHEME_ECDSA, 32, NID_X9_62_prime256v1, 32},
    {"ES256K", SCHEME_ECDSA, 32, NID_secp256k1, 32},
    {"ES384", SCHEME_ECDSA, 48, NID_secp384r1, 48},
    {"ES512", SCHEME_ECDSA, 64, NID_secp521r1, 66},
};

static const AlgSpec* find_alg(const char* name) {
  for (size_t i = 0; i < sizeof(kAlgs) / sizeof(kAlgs[0]); i++) {
    if (strcmp(kAlgs[i].name, name) == 0) return &kAlgs[i];
  }
  return NULL;
}

/* The hash an alg names, by its digest length (SHA-256, SHA-384, SHA-512). */
static const EVP_MD* alg_md(const AlgSpec* alg) {
  switch (alg->digest_len) {
    case 32: return EVP_sha256();
    case 48: return EVP_sha384();
    case 64: return EVP_sha512();
    default: return NULL;
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* Key handles                                                                                            */
/* ------------------------------------------------------------------------------------------------------ */

typedef struct {
  EVP_PKEY* pkey;
  int has_private;
  int base_id;   /* EVP_PKEY_RSA, EVP_PKEY_RSA_PSS or EVP_PKEY_EC */
  int curve_nid; /* EC keys only */
} KeyHandle;

/* Marks externals made by this addon, so an External from elsewhere is never taken for a KeyHandle. */
static const napi_type_tag kKeyHandleTag = {0x6b6579686f6c6431ull, 0x6f70656e73736c31ull};

static void key_handle_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  KeyHandle* handle = (KeyHandle*)data;
  EVP_PKEY_free(handle->pkey);
  free(handle);
}

static int curve_nid_of(const EVP_PKEY* pkey) {
  char name[64];
  size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &len) != 1) return NID_undef;
  int nid = OBJ_sn2nid(name);
  if (nid == NID_undef) nid = EC_curve_nist2nid(name);
  return nid;
}

/* ------------------------------------------------------------------------------------------------------ */
/* N-API helpers                                                                                          */
/* ------------------------------------------------------------------------------------------------------ */

static const char kInvalidArgument[] = "ERR_KEYHOLD_INVALID_ARGUMENT";
static const char kOperationFailed[] = "ERR_KEYHOLD_OPERATION_FAILED";
/* The one message every failed operation reports; in particular it never says why a decryption failed. */
static const char kGenericMessage[] = "operation failed";

/* Throws (unless an exception is already pending) and returns NULL for the caller to return. */
static napi_value throw_error(napi_env env, const char* code, const char* message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, code, message);
  return NULL;
}

#define NAPI_OK(env, call) \
  do { \
    if ((call) != napi_ok) return throw_error((env), kOperationFailed, kGenericMessage); \
  } while (0)

/* A Uint8Array (Buffer included): pointer to its first byte and its length. */
static bool get_bytes(napi_env env, napi_value value, const uint8_t** data, size_t* len) {
  bool is_typedarray = false;
  napi_typedarray_type type;
  void* ptr = NULL;
  if (napi_is_typedarray(env, value, &is_typedarray) != napi_ok || !is_typedarray) return false;
  if (napi_get_typedarray_info(env, value, &type, len, &ptr, NULL, NULL) != napi_ok) return false;
  if (type != napi_uint8_array) return false;
  *data = (const uint8_t*)ptr;
  return true;
}

static bool get_key(napi_env env, napi_value value, KeyHandle** out) {
  napi_valuetype type;
  bool tagged = false;
  void* data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) return false;
  if (napi_check_object_type_tag(env, value, &kKeyHandleTag, &tagged) != napi_ok || !tagged) return false;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) return false;
  *out = (KeyHandle*)data;
  return true;
}

static const AlgSpec* get_alg(napi_env env, napi_value value) {
  char name[16];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, name, sizeof(name), &len) != napi_ok) return NULL;
  if (len >= sizeof(name) - 1) return NULL;
  return find_alg(name);
}

static bool is_function(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && type == napi_function;
}

/* Copies into OpenSSL-allocated memory, so that the job owns what it reads on the worker thread. */
static uint8_t* copy_bytes(const uint8_t* data, size_t len) {
  uint8_t* copy = (uint8_t*)OPENSSL_malloc(len > 0 ? len : 1);
  if (copy != NULL && len > 0) memcpy(copy, data, len);
  return copy;
}

/* ------------------------------------------------------------------------------------------------------ */
/* loadPrivateKey / loadPublicKey                                                                         */
/* ------------------------------------------------------------------------------------------------------ */

static napi_value wrap_key(napi_env env, EVP_PKEY* pkey, int has_private) {
  int base_id = EVP_PKEY_get_base_id(pkey);
  if (base_id != EVP_PKEY_RSA && base_id != EVP_PKEY_RSA_PSS && base_id != EVP_PKEY_EC) {
    EVP_PKEY_free(pkey);
    return throw_error(env, kInvalidArgument, "unsupported key type");
  }
  KeyHandle* handle = (KeyHandle*)calloc(1, sizeof(KeyHandle));
  if (handle == NULL) {
    EVP_PKEY_free(pkey);
    return throw_error(env, kOperationFailed, kGenericMessage);
  }
  handle->pkey = pkey;
  handle->has_private = has_private;
  handle->base_id = base_id;
  handle->curve_nid = base_id == EVP_PKEY_EC ? curve_nid_of(pkey) : NID_undef;

  napi_value external;
  if (napi_create_external(env, handle, key_handle_finalize, NULL, &external) != napi_ok) {
    key_handle_finalize(env, handle, NULL);
    return throw_error(env, kOperationFailed, kGenericMessage);
  }
  /* From here the finalizer owns the handle. */
  NAPI_OK(env, napi_type_tag_object(env, external, &kKeyHandleTag));
  return external;
}

/* loadPrivateKey(pkcs8Der: Uint8Array): External — PKCS #8 PrivateKeyInfo, RFC 5208 §5. */
static napi_value LoadPrivateKey(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  const uint8_t* der = NULL;
  size_t der_len = 0;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_bytes(env, argv[0], &der, &der_len) || der_len > LONG_MAX)
    return throw_error(env, kInvalidArgument, "loadPrivateKey expects a PKCS#8 DER Buffer");

  const unsigned char* p = der;
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)der_len);
  EVP_PKEY* pkey = NULL;
  if (p8 != NULL && p == der + der_len) pkey = EVP_PKCS82PKEY(p8);
  PKCS8_PRIV_KEY_INFO_free(p8);
  ERR_clear_error();
  if (pkey == NULL) return throw_error(env, kInvalidArgument, "invalid PKCS#8 private key");
  return wrap_key(env, pkey, 1);
}

/* loadPublicKey(spkiDer: Uint8Array): External — SubjectPublicKeyInfo, RFC 5280 §4.1.2.7. */
static napi_value LoadPublicKey(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  const uint8_t* der = NULL;
  size_t der_len = 0;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_bytes(env, argv[0], &der, &der_len) || der_len > LONG_MAX)
    return throw_error(env, kInvalidArgument, "loadPublicKey expects a SubjectPublicKeyInfo DER Buffer");

  const unsigned char* p = der;
  EVP_PKEY* pkey = d2i_PUBKEY(NULL, &p, (long)der_len);
  if (pkey != NULL && p != der + der_len) {
    EVP_PKEY_free(pkey);
    pkey = NULL;
  }
  ERR_clear_error();
  if (pkey == NULL) return throw_error(env, kInvalidArgument, "invalid SubjectPublicKeyInfo public key");
  return wrap_key(env, pkey, 0);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Jobs on the thread pool                                                                                */
/* ------------------------------------------------------------------------------------------------------ */

typedef enum { OP_SIGN, OP_VERIFY, OP_DECRYPT } Op;

typedef struct {
  napi_async_work work;
  napi_ref callback;
  Op op;
  EVP_PKEY* pkey; /* this job's own reference */
  const AlgSpec* alg;
  uint8_t* input; /* digest, or ciphertext */
  size_t input_len;
  uint8_t* signature; /* verify only */
  size_t signature_len;
  size_t modulus_len; /* decrypt only: k, RFC 8017 §7.2.2 */
  uint8_t* output;    /* signature, or plaintext */
  size_t output_len;
  bool verified;
  bool ok;
} Job;

static void job_free(Job* job) {
  EVP_PKEY_free(job->pkey);
  OPENSSL_clear_free(job->input, job->input_len);
  OPENSSL_free(job->signature);
  OPENSSL_clear_free(job->output, job->output_len);
  free(job);
}

/* Sets the signature scheme's parameters on a sign or verify context. */
static bool configure_signature(EVP_PKEY_CTX* ctx, const AlgSpec* alg) {
  const EVP_MD* md = alg_md(alg);
  if (md == NULL) return false;
  switch (alg->scheme) {
    case SCHEME_RSA_PKCS1:
      /* RFC 8017 §8.2 / §9.2 EMSA-PKCS1-v1_5: with the hash set, OpenSSL builds DigestInfo around the digest. */
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
             EVP_PKEY_CTX_set_signature_md(ctx, md) > 0;
    case SCHEME_RSA_PSS:
      /* RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash (RFC 8017 §9.1). */
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0;
    case SCHEME_ECDSA:
      /* Setting the hash makes OpenSSL insist the input is exactly one digest of it. */
      return EVP_PKEY_CTX_set_signature_md(ctx, md) > 0;
  }
  return false;
}

/* RFC 7518 §3.4: the JWS ECDSA signature is R and S as unsigned big-endian integers, each left-padded to the
 * curve's coordinate size, concatenated. OpenSSL produces the DER ECDSA-Sig-Value of RFC 3279 §2.2.3. */
static bool ecdsa_der_to_p1363(const uint8_t* der, size_t der_len, size_t coord_len, uint8_t** out,
                               size_t* out_len) {
  const unsigned char* p = der;
  ECDSA_SIG* sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
  uint8_t* buf = NULL;
  bool ok = false;
  if (sig == NULL) return false;

  const BIGNUM* r = NULL;
  const BIGNUM* s = NULL;
  ECDSA_SIG_get0(sig, &r, &s);
  buf = (uint8_t*)OPENSSL_malloc(2 * coord_len);
  if (buf != NULL && BN_bn2binpad(r, buf, (int)coord_len) == (int)coord_len &&
      BN_bn2binpad(s, buf + coord_len, (int)coord_len) == (int)coord_len) {
    *out = buf;
    *out_len = 2 * coord_len;
    buf = NULL;
    ok = true;
  }
  OPENSSL_free(buf);
  ECDSA_SIG_free(sig);
  return ok;
}

/* The reverse, for verification: R‖S (RFC 7518 §3.4) into DER. The caller checked the length is 2·coord. */
static bool ecdsa_p1363_to_der(const uint8_t* sig, size_t coord_len, uint8_t** der, size_t* der_len) {
  ECDSA_SIG* ecdsa_sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(sig, (int)coord_len, NULL);
  BIGNUM* s = BN_bin2bn(sig + coord_len, (int)coord_len, NULL);
  if (ecdsa_sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(ecdsa_sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(ecdsa_sig);
    return false;
  }
  /* ECDSA_SIG_set0 took r and s. */
  unsigned char* out = NULL;
  int len = i2d_ECDSA_SIG(ecdsa_sig, &out);
  ECDSA_SIG_free(ecdsa_sig);
  if (len <= 0) return false;
  *der = out;
  *der_len = (size_t)len;
  return true;
}

static bool run_sign(Job* job) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(NULL, job->pkey, NULL);
  uint8_t* sig = NULL;
  size_t sig_len = 0;
  bool ok = false;

  if (ctx == NULL || EVP_PKEY_sign_init(ctx) <= 0 || !configure_signature(ctx, job->alg)) goto done;
  if (EVP_PKEY_sign(ctx, NULL, &sig_len, job->input, job->input_len) <= 0) goto done;
  sig = (uint8_t*)OPENSSL_malloc(sig_len);
  if (sig == NULL || EVP_PKEY_sign(ctx, sig, &sig_len, job->input, job->input_len) <= 0) goto done;

  if (job->alg->scheme == SCHEME_ECDSA) {
    ok = ecdsa_der_to_p1363(sig, sig_len, job->alg->coord_len, &job->output, &job->output_len);
  } else {
    job->output = sig;
    job->output_len = sig_len;
    sig = NULL;
    ok = true;
  }
done:
  OPENSSL_free(sig);
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

static bool run_verify(Job* job) {
  const uint8_t* sig = job->signature;
  size_t sig_len = job->signature_len;
  uint8_t* der = NULL;
  size_t der_len = 0;
  EVP_PKEY_CTX* ctx = NULL;
  bool ok = false;

  job->verified = false;
  if (job->alg->scheme == SCHEME_ECDSA) {
    /* A signature of the wrong size is simply not valid (RFC 7518 §3.4), not an error. */
    if (sig_len != 2 * job->alg->coord_len) return true;
    if (!ecdsa_p1363_to_der(sig, job->alg->coord_len, &der, &der_len)) return false;
    sig = der;
    sig_len = der_len;
  }
  ctx = EVP_PKEY_CTX_new_from_pkey(NULL, job->pkey, NULL);
  if (ctx == NULL || EVP_PKEY_verify_init(ctx) <= 0 || !configure_signature(ctx, job->alg)) goto done;
  /* 1 is a valid signature; 0 and the negative "malformed" results are both an invalid one. */
  job->verified = EVP_PKEY_verify(ctx, sig, sig_len, job->input, job->input_len) == 1;
  ok = true;
done:
  OPENSSL_free(der);
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

/* ------------------------------------------------------------------------------------------------------ */
/* RSAES-PKCS1-v1_5 decryption with implicit rejection                                                    */
/* ------------------------------------------------------------------------------------------------------ */

/*
 * Constant-time helpers: each mask is all ones (true) or all zeros (false); no branch depends on the data.
 * The barrier keeps the compiler from turning a mask select back into a branch.
 */
static inline unsigned ct_barrier(unsigned a) {
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(a));
  return a;
#else
  volatile unsigned v = a;
  return v;
#endif
}
static inline unsigned ct_msb(unsigned a) { return 0u - (a >> (sizeof(a) * 8 - 1)); }
static inline unsigned ct_is_zero(unsigned a) { return ct_msb(~a & (a - 1)); }
static inline unsigned ct_eq(unsigned a, unsigned b) { return ct_is_zero(a ^ b); }
/* a < b for unsigned a, b */
static inline unsigned ct_lt(unsigned a, unsigned b) { return ct_msb(a ^ ((a ^ b) | ((a - b) ^ b))); }
static inline unsigned ct_ge(unsigned a, unsigned b) { return ~ct_lt(a, b); }
static inline unsigned ct_select(unsigned mask, unsigned a, unsigned b) {
  mask = ct_barrier(mask);
  return (mask & a) | (~mask & b);
}
static inline uint8_t ct_select_u8(unsigned mask, uint8_t a, uint8_t b) {
  return (uint8_t)ct_select(mask, a, b);
}

#define IR_HASH_LEN 32           /* the draft fixes SHA-256 for the KDF and the PRF */
#define IR_LENGTH_CANDIDATES 128 /* 16-bit candidates for the synthetic message length */

/* The raw RSA decryption primitive RSADP (RFC 8017 §5.1.2), blinded by OpenSSL. Writes k bytes into em. */
static bool rsa_raw_decrypt(EVP_PKEY* pkey, const uint8_t* c, size_t k, uint8_t* em) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
  size_t em_len = k;
  bool ok = ctx != NULL && EVP_PKEY_decrypt_init(ctx) > 0 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0 &&
            EVP_PKEY_decrypt(ctx, em, &em_len, c, k) > 0 && em_len == k;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

/*
 * The draft §7.2 step 3, the key derivation key:
 *   KDK = HMAC-SHA256(key = SHA256(I2OSP(d, k)), message = C as k bytes)
 */
static bool ir_derive_kdk(EVP_PKEY* pkey, const uint8_t* c, size_t k, uint8_t kdk[IR_HASH_LEN]) {
  BIGNUM* d = NULL;
  uint8_t* d_bytes = (uint8_t*)OPENSSL_malloc(k);
  uint8_t d_hash[IR_HASH_LEN];
  unsigned int mac_len = 0;
  bool ok = false;

  if (d_bytes == NULL || EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_D, &d) != 1) goto done;
  BN_set_flags(d, BN_FLG_CONSTTIME);
  if (BN_bn2binpad(d, d_bytes, (int)k) != (int)k) goto done;
  if (EVP_Digest(d_bytes, k, d_hash, NULL, EVP_sha256(), NULL) != 1) goto done;
  if (HMAC(EVP_sha256(), d_hash, IR_HASH_LEN, c, k, kdk, &mac_len) == NULL || mac_len != IR_HASH_LEN) goto done;
  ok = true;
done:
  BN_clear_free(d);
  OPENSSL_clear_free(d_bytes, k);
  OPENSSL_cleanse(d_hash, sizeof(d_hash));
  return ok;
}

/*
 * The draft §7.1, the PRF: output block i (i = 0, 1, …) is
 *   HMAC-SHA256(KDK, I2OSP(i, 2) ‖ label ‖ I2OSP(output length in bits, 2))
 * and the blocks are concatenated and truncated to out_len bytes.
 */
static bool ir_prf(const uint8_t kdk[IR_HASH_LEN], const char* label, uint8_t* out, size_t out_len) {
  size_t label_len = strlen(label);
  size_t bits = out_len * 8;
  uint8_t block_input[2 + 16 + 2];
  uint8_t block[IR_HASH_LEN];
  unsigned int block_len = 0;
  bool ok = true;

  if (bits > 0xffff || label_len > 16) return false;
  for (size_t pos = 0, i = 0; ok && pos < out_len; pos += IR_HASH_LEN, i++) {
    block_input[0] = (uint8_t)(i >> 8);
    block_input[1] = (uint8_t)i;
    memcpy(block_input + 2, label, label_len);
    block_input[2 + label_len] = (uint8_t)(bits >> 8);
    block_input[3 + label_len] = (uint8_t)bits;
    ok = HMAC(EVP_sha256(), kdk, IR_HASH_LEN, block_input, 4 + label_len, block, &block_len) != NULL &&
         block_len == IR_HASH_LEN;
    if (ok) memcpy(out + pos, block, out_len - pos < IR_HASH_LEN ? out_len - pos : IR_HASH_LEN);
  }
  OPENSSL_cleanse(block, sizeof(block));
  return ok;
}

/*
 * EME-PKCS1-v1_5 decoding (RFC 8017 §7.2.2 step 3) with implicit rejection (the draft §7.2):
 * em = 0x00 ‖ 0x02 ‖ PS (≥ 8 non-zero bytes) ‖ 0x00 ‖ M. If em is not of that form, the result is instead the
 * synthetic message: the last L bytes of `synthetic`, L chosen from the PRF's length candidates. The choice
 * between the two is made with masks; only the length of the returned message (which is the same kind of
 * value either way) decides how many bytes are copied. Returns the length written to out (≤ k − 11).
 */
static size_t ir_decode(const uint8_t* em, const uint8_t* synthetic, const uint8_t* candidates, unsigned k,
                        uint8_t* out) {
  /* The draft §7.2 step 3, the synthetic length: of the 128 16-bit candidates from PRF(KDK, "length"), each
   * masked to the bit length of k − 10, the last one below k − 10, i.e. at most k − 11 (the longest message
   * PKCS#1 v1.5 can carry); 0 if none is. */
  unsigned max_sep = k - 2 - 8;
  unsigned length_mask = max_sep;
  length_mask |= length_mask >> 1;
  length_mask |= length_mask >> 2;
  length_mask |= length_mask >> 4;
  length_mask |= length_mask >> 8;
  unsigned synthetic_len = 0;
  for (unsigned i = 0; i < 2 * IR_LENGTH_CANDIDATES; i += 2) {
    unsigned candidate = (((unsigned)candidates[i] << 8) | candidates[i + 1]) & length_mask;
    synthetic_len = ct_select(ct_lt(candidate, max_sep), candidate, synthetic_len);
  }

  /* RFC 8017 §7.2.2 step 3: first byte 0x00, second byte 0x02 … */
  unsigned good = ct_is_zero(em[0]) & ct_eq(em[1], 2);
  /* … the first zero byte after them separates PS from M … */
  unsigned found_zero = 0;
  unsigned zero_index = 0;
  for (unsigned i = 2; i < k; i++) {
    unsigned is_zero = ct_is_zero(em[i]);
    zero_index = ct_select(~found_zero & is_zero, i, zero_index);
    found_zero |= is_zero;
  }
  /* … and PS is at least 8 bytes long (zero_index stays 0, failing this too, if there is no separator). */
  good &= ct_ge(zero_index, 2 + 8);

  unsigned msg_index = ct_select(good, zero_index + 1, k - synthetic_len);
  unsigned j = 0;
  for (unsigned i = msg_index; i < k; i++, j++) out[j] = ct_select_u8(good, em[i], synthetic[i]);
  return j;
}

/*
 * The draft §7.2 steps 3 and 4 once the KDK is known: the synthetic message and its length from the PRF, then the
 * decoding of em (k bytes) that picks either it or the real message. Writes at most k − 11 bytes to out.
 */
static bool ir_unpad(const uint8_t* em, const uint8_t kdk[IR_HASH_LEN], size_t k, uint8_t* out, size_t* out_len) {
  uint8_t* synthetic = (uint8_t*)OPENSSL_malloc(k);
  uint8_t candidates[2 * IR_LENGTH_CANDIDATES];
  /* Computed whether or not it will be used. */
  bool ok = synthetic != NULL && ir_prf(kdk, "message", synthetic, k) &&
            ir_prf(kdk, "length", candidates, sizeof(candidates));
  if (ok) *out_len = ir_decode(em, synthetic, candidates, (unsigned)k, out);
  OPENSSL_clear_free(synthetic, k);
  OPENSSL_cleanse(candidates, sizeof(candidates));
  return ok;
}

static bool run_decrypt(Job* job) {
  size_t k = job->modulus_len;
  uint8_t* c = (uint8_t*)OPENSSL_zalloc(k);
  uint8_t* em = (uint8_t*)OPENSSL_malloc(k);
  uint8_t* out = (uint8_t*)OPENSSL_malloc(k);
  uint8_t kdk[IR_HASH_LEN];
  bool ok = false;

  if (c == NULL || em == NULL || out == NULL) goto done;
  /* The ciphertext as a k-byte string (a shorter one is left-padded with zeros, as OpenSSL does). */
  memcpy(c + (k - job->input_len), job->input, job->input_len);
  if (!rsa_raw_decrypt(job->pkey, c, k, em)) goto done;
  if (!ir_derive_kdk(job->pkey, c, k, kdk)) goto done;
  if (!ir_unpad(em, kdk, k, out, &job->output_len)) goto done;
  job->output = out;
  out = NULL;
  ok = true;
done:
  OPENSSL_clear_free(c, k);
  OPENSSL_clear_free(em, k);
  OPENSSL_clear_free(out, k);
  OPENSSL_cleanse(kdk, sizeof(kdk));
  return ok;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Queueing and completion                                                                                */
/* ------------------------------------------------------------------------------------------------------ */

static void job_execute(napi_env env, void* data) {
  (void)env;
  Job* job = (Job*)data;
  switch (job->op) {
    case OP_SIGN: job->ok = run_sign(job); break;
    case OP_VERIFY: job->ok = run_verify(job); break;
    case OP_DECRYPT: job->ok = run_decrypt(job); break;
  }
  /* This thread's error queue must not carry anything into the next job it runs. */
  ERR_clear_error();
}

static void job_complete(napi_env env, napi_status status, void* data) {
  Job* job = (Job*)data;
  napi_value callback = NULL;
  napi_value global = NULL;
  napi_value argv[2] = {NULL, NULL};
  size_t argc = 1;

  if (napi_get_reference_value(env, job->callback, &callback) == napi_ok && callback != NULL &&
      napi_get_global(env, &global) == napi_ok) {
    bool made = false;
    if (status == napi_ok && job->ok) {
      napi_get_null(env, &argv[0]);
      argc = 2;
      if (job->op == OP_VERIFY) {
        made = napi_get_boolean(env, job->verified, &argv[1]) == napi_ok;
      } else {
        made = napi_create_buffer_copy(env, job->output_len, job->output, NULL, &argv[1]) == napi_ok;
      }
    }
    if (!made) {
      napi_value code = NULL;
      napi_value message = NULL;
      argc = 1;
      napi_create_string_utf8(env, kOperationFailed, NAPI_AUTO_LENGTH, &code);
      napi_create_string_utf8(env, kGenericMessage, NAPI_AUTO_LENGTH, &message);
      napi_create_error(env, code, message, &argv[0]);
    }
    napi_call_function(env, global, callback, argc, argv, NULL);
  }
  napi_delete_reference(env, job->callback);
  napi_delete_async_work(env, job->work);
  job_free(job);
}

/* Takes the job (freeing it on failure) and queues it; returns undefined, or NULL with an exception. */
static napi_value queue_job(napi_env env, Job* job, napi_value callback, const char* name) {
  napi_value resource_name;
  napi_value undefined;
  if (napi_create_reference(env, callback, 1, &job->callback) != napi_ok) {
    job_free(job);
    return throw_error(env, kOperationFailed, kGenericMessage);
  }
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_async_work(env, NULL, resource_name, job_execute, job_complete, job, &job->work) != napi_ok) {
    napi_delete_reference(env, job->callback);
    job_free(job);
    return throw_error(env, kOperationFailed, kGenericMessage);
  }
  if (napi_queue_async_work(env, job->work) != napi_ok) {
    napi_delete_async_work(env, job->work);
    napi_delete_reference(env, job->callback);
    job_free(job);
    return throw_error(env, kOperationFailed, kGenericMessage);
  }
  napi_get_undefined(env, &undefined);
  return undefined;
}

static Job* new_job(Op op, KeyHandle* key, const AlgSpec* alg) {
  Job* job = (Job*)calloc(1, sizeof(Job));
  if (job == NULL) return NULL;
  if (EVP_PKEY_up_ref(key->pkey) != 1) {
    free(job);
    return NULL;
  }
  job->op = op;
  job->pkey = key->pkey;
  job->alg = alg;
  return job;
}

/* Whether the key is of the type (and, for ECDSA, on the curve) that the alg names. */
static bool key_fits_alg(const KeyHandle* key, const AlgSpec* alg) {
  switch (alg->scheme) {
    case SCHEME_RSA_PKCS1: return key->base_id == EVP_PKEY_RSA;
    case SCHEME_RSA_PSS: return key->base_id == EVP_PKEY_RSA || key->base_id == EVP_PKEY_RSA_PSS;
    case SCHEME_ECDSA: return key->base_id == EVP_PKEY_EC && key->curve_nid == alg->curve_nid;
  }
  return false;
}

/* signDigest(handle, alg, digest, callback(err, signature)) */
static napi_value SignDigest(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  KeyHandle* key = NULL;
  const AlgSpec* alg = NULL;
  const uint8_t* digest = NULL;
  size_t digest_len = 0;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4 || !is_function(env, argv[3]))
    return throw_error(env, kInvalidArgument, "signDigest(key, alg, digest, callback)");
  if (!get_key(env, argv[0], &key)) return throw_error(env, kInvalidArgument, "not a key handle");
  if (!key->has_private) return throw_error(env, kInvalidArgument, "signing needs a private key");
  if ((alg = get_alg(env, argv[1])) == NULL) return throw_error(env, kInvalidArgument, "unknown algorithm");
  if (!get_bytes(env, argv[2], &digest, &digest_len))
    return throw_error(env, kInvalidArgument, "digest must be a Buffer");
  if (digest_len != alg->digest_len)
    return throw_error(env, kInvalidArgument, "digest length does not match the algorithm's hash");
  if (!key_fits_alg(key, alg)) return throw_error(env, kInvalidArgument, "key does not fit the algorithm");

  Job* job = new_job(OP_SIGN, key, alg);
  if (job == NULL || (job->input = copy_bytes(digest, digest_len)) == NULL) {
    if (job != NULL) job_free(job);
    return throw_error(env, kOperationFailed, kGenericMessage);
  }
  job->input_len = digest_len;
  return queue_job(env, job, argv[3], "keyhold.signDigest");
}

/* verifyDigest(handle, alg, digest, signature, callback(err, ok)) */
static napi_value VerifyDigest(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  KeyHandle* key = NULL;
  const AlgSpec* alg = NULL;
  const uint8_t* digest = NULL;
  const uint8_t* signature = NULL;
  size_t digest_len = 0;
  size_t signature_len = 0;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5 || !is_function(env, argv[4]))
    return throw_error(env, kInvalidArgument, "verifyDigest(key, alg, digest, signature, callback)");
  if (!get_key(env, argv[0], &key)) return throw_error(env, kInvalidArgument, "not a key handle");
  if ((alg = get_alg(env, argv[1])) == NULL) return throw_error(env, kInvalidArgument, "unknown algorithm");
  if (!get_bytes(env, argv[2], &digest, &digest_len))
    return throw_error(env, kInvalidArgument, "digest must be a Buffer");
  if (!get_bytes(env, argv[3], &signature, &signature_len) || signature_len > INT_MAX)
    return throw_error(env, kInvalidArgument, "signature must be a Buffer");
  if (digest_len != alg->digest_len)
    return throw_error(env, kInvalidArgument, "digest length does not match the algorithm's hash");
  if (!key_fits_alg(key, alg)) return throw_error(env, kInvalidArgument, "key does not fit the algorithm");

  Job* job = new_job(OP_VERIFY, key, alg);
  if (job == NULL || (job->input = copy_bytes(digest, digest_len)) == NULL ||
      (job->signature = copy_bytes(signature, signature_len)) == NULL) {
    if (job != NULL) job_free(job);
    return throw_error(env, kOperationFailed, kGenericMessage);
  }
  job->input_len = digest_len;
  job->signature_len = signature_len;
  return queue_job(env, job, argv[4], "keyhold.verifyDigest");
}

/* rsaPkcs1Decrypt(handle, ciphertext, callback(err, plaintext)). Every failure reports the same generic
 * error; a ciphertext whose padding is wrong is not a failure (it yields the synthetic message). */
static napi_value RsaPkcs1Decrypt(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  KeyHandle* key = NULL;
  const uint8_t* ciphertext = NULL;
  size_t ciphertext_len = 0;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !is_function(env, argv[2]) || !get_key(env, argv[0], &key) || !key->has_private ||
      key->base_id != EVP_PKEY_RSA || !get_bytes(env, argv[1], &ciphertext, &ciphertext_len))
    return throw_error(env, kOperationFailed, kGenericMessage);

  /* RFC 8017 §7.2.2 step 1 (length checking): no longer than k, and k large enough for the padding. */
  int k = EVP_PKEY_get_size(key->pkey);
  if (k < 11 + 1 || k * 8 > 0xffff || ciphertext_len == 0 || ciphertext_len > (size_t)k)
    return throw_error(env, kOperationFailed, kGenericMessage);

  Job* job = new_job(OP_DECRYPT, key, NULL);
  if (job == NULL || (job->input = copy_bytes(ciphertext, ciphertext_len)) == NULL) {
    if (job != NULL) job_free(job);
    return throw_error(env, kOperationFailed, kGenericMessage);
  }
  job->input_len = ciphertext_len;
  job->modulus_len = (size_t)k;
  return queue_job(env, job, argv[2], "keyhold.rsaPkcs1Decrypt");
}

/* ------------------------------------------------------------------------------------------------------ */
/* AES-GCM, one shot                                                                                      */
/* ------------------------------------------------------------------------------------------------------ */

/*
 * node:crypto builds a Cipheriv object for every message, which costs more than the AES-GCM of a few kilobytes
 * (and the envelope opens one per secret read). Here each environment (the main thread, each worker) keeps one
 * EVP_CIPHER_CTX that every message reuses: it is keyed anew (the AES key schedule, a fraction of a microsecond)
 * and given the message's IV, and nothing is allocated but the output Buffer. These calls run in line on the
 * calling thread, as node:crypto's Cipheriv does: for the sizes stored, less than a hop to the thread pool would.
 * The context belongs to one environment's thread and one call at a time, so it needs no lock. The key schedule of
 * the last key stays in it until the next call or the environment's end (EVP_CIPHER_CTX_free cleanses it).
 */
#define GCM_IV_LEN 12
#define GCM_TAG_LEN 16

/* The cipher for a key length, fetched once per process (a fetch per message would cost as much as the seal). */
static const EVP_CIPHER* gcm_cipher(size_t key_len) {
  static EVP_CIPHER* const aes128 = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
  static EVP_CIPHER* const aes192 = EVP_CIPHER_fetch(NULL, "AES-192-GCM", NULL);
  static EVP_CIPHER* const aes256 = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
  switch (key_len) {
    case 16: return aes128;
    case 24: return aes192;
    case 32: return aes256;
    default: return NULL;
  }
}

static void gcm_context_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  EVP_CIPHER_CTX_free((EVP_CIPHER_CTX*)data);
}

/* This environment's context, keyed with `key` for encryption (gcm_begin sets the direction), or NULL. */
static EVP_CIPHER_CTX* gcm_context(napi_env env, const uint8_t* key, size_t key_len) {
  const EVP_CIPHER* cipher = gcm_cipher(key_len);
  void* data = NULL;
  if (cipher == NULL || napi_get_instance_data(env, &data) != napi_ok) return NULL;
  EVP_CIPHER_CTX* ctx = (EVP_CIPHER_CTX*)data;
  if (ctx == NULL) {
    if ((ctx = EVP_CIPHER_CTX_new()) == NULL) return NULL;
    if (napi_set_instance_data(env, ctx, gcm_context_finalize, NULL) != napi_ok) {
      EVP_CIPHER_CTX_free(ctx);
      return NULL;
    }
  }
  return EVP_CipherInit_ex(ctx, cipher, NULL, key, NULL, 1) == 1 ? ctx : NULL;
}

/* An optional Uint8Array: undefined (or null) is no bytes. */
static bool get_optional_bytes(napi_env env, napi_value value, const uint8_t** data, size_t* len) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type == napi_undefined || type == napi_null) {
    *data = NULL;
    *len = 0;
    return true;
  }
  return get_bytes(env, value, data, len);
}

/* Starts a message on a keyed context: the IV, the direction, and the AAD (if any). */
static bool gcm_begin(EVP_CIPHER_CTX* ctx, const uint8_t* iv, const uint8_t* aad, size_t aad_len, int enc) {
  int len = 0;
  if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, enc) != 1) return false;
  return aad_len == 0 || EVP_CipherUpdate(ctx, NULL, &len, aad, (int)aad_len) == 1;
}

/* aesGcmSeal(key: 16, 24 or 32 bytes, iv: 12 bytes, plaintext, aad?): Buffer — the ciphertext, then the 16-byte tag. */
static napi_value AesGcmSeal(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  const uint8_t *key = NULL, *iv = NULL, *plaintext = NULL, *aad = NULL;
  size_t key_len = 0, iv_len = 0, plaintext_len = 0, aad_len = 0;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !get_bytes(env, argv[0], &key, &key_len) || !get_bytes(env, argv[1], &iv, &iv_len) ||
      iv_len != GCM_IV_LEN || !get_bytes(env, argv[2], &plaintext, &plaintext_len) ||
      (argc > 3 && !get_optional_bytes(env, argv[3], &aad, &aad_len)) || plaintext_len > INT_MAX - GCM_TAG_LEN ||
      aad_len > INT_MAX)
    return throw_error(env, kInvalidArgument, "aesGcmSeal(key, iv of 12 bytes, plaintext, aad?)");
  EVP_CIPHER_CTX* ctx = gcm_context(env, key, key_len);
  if (ctx == NULL) {
    ERR_clear_error();
    return throw_error(env, kInvalidArgument, "aesGcmSeal: the key must be 16, 24 or 32 bytes");
  }

  napi_value result;
  void* out_data = NULL;
  NAPI_OK(env, napi_create_buffer(env, plaintext_len + GCM_TAG_LEN, &out_data, &result));
  uint8_t* out = (uint8_t*)out_data;
  int len = 0, final_len = 0;
  bool ok = gcm_begin(ctx, iv, aad, aad_len, 1) &&
            (plaintext_len == 0 || EVP_CipherUpdate(ctx, out, &len, plaintext, (int)plaintext_len) == 1) &&
            EVP_CipherFinal_ex(ctx, out + len, &final_len) == 1 && (size_t)(len + final_len) == plaintext_len &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, GCM_TAG_LEN, out + plaintext_len) == 1;
  if (!ok) {
    ERR_clear_error();
    return throw_error(env, kOperationFailed, kGenericMessage);
  }
  return result;
}

/* aesGcmOpen(key: 16, 24 or 32 bytes, iv: 12 bytes, ciphertext, tag: 16 bytes, aad?): Buffer — the plaintext,
 * only if the tag verifies; otherwise the generic error, and the bytes decrypted so far are wiped, never returned. */
static napi_value AesGcmOpen(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  const uint8_t *key = NULL, *iv = NULL, *ciphertext = NULL, *tag = NULL, *aad = NULL;
  size_t key_len = 0, iv_len = 0, ciphertext_len = 0, tag_len = 0, aad_len = 0;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4 || !get_bytes(env, argv[0], &key, &key_len) || !get_bytes(env, argv[1], &iv, &iv_len) ||
      !get_bytes(env, argv[2], &ciphertext, &ciphertext_len) || !get_bytes(env, argv[3], &tag, &tag_len) ||
      (argc > 4 && !get_optional_bytes(env, argv[4], &aad, &aad_len)))
    return throw_error(env, kInvalidArgument, "aesGcmOpen(key, iv, ciphertext, tag, aad?)");
  EVP_CIPHER_CTX* ctx = NULL;
  if (iv_len != GCM_IV_LEN || tag_len != GCM_TAG_LEN || ciphertext_len > INT_MAX || aad_len > INT_MAX ||
      (ctx = gcm_context(env, key, key_len)) == NULL) {
    ERR_clear_error();
    return throw_error(env, kOperationFailed, kGenericMessage);
  }

  napi_value result;
  void* out_data = NULL;
  NAPI_OK(env, napi_create_buffer(env, ciphertext_len, &out_data, &result));
  uint8_t* out = (uint8_t*)out_data;
  int len = 0, final_len = 0;
  /* The tag is set before the final step, which compares it (in constant time) and fails on a mismatch. */
  bool ok = gcm_begin(ctx, iv, aad, aad_len, 0) &&
            (ciphertext_len == 0 || EVP_CipherUpdate(ctx, out, &len, ciphertext, (int)ciphertext_len) == 1) &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, GCM_TAG_LEN, (void*)tag) == 1 &&
            EVP_CipherFinal_ex(ctx, out + len, &final_len) == 1 && (size_t)(len + final_len) == ciphertext_len;
  if (!ok) {
    OPENSSL_cleanse(out, ciphertext_len);
    ERR_clear_error();
    return throw_error(env, kOperationFailed, kGenericMessage);
  }
  return result;
}

/* ------------------------------------------------------------------------------------------------------ */
/* RSA padding without the key operation                                                                  */
/* ------------------------------------------------------------------------------------------------------ */

/* The largest modulus accepted, in bytes (16384 bits), as a bound on what a caller can make these allocate. */
#define PADDING_MAX_MODULUS_BYTES 2048

/* A hash named by the caller ("sha1", "sha256", …), if it is one of `allowed` (a NULL-terminated list). */
static const EVP_MD* get_padding_md(napi_env env, napi_value value, const char* const* allowed) {
  char name[16];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, name, sizeof(name), &len) != napi_ok || len >= sizeof(name) - 1)
    return NULL;
  for (; *allowed != NULL; allowed++) {
    if (strcmp(*allowed, name) == 0) return EVP_get_digestbyname(name);
  }
  return NULL;
}

static bool get_int32(napi_env env, napi_value value, int32_t* out) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && type == napi_number &&
         napi_get_value_int32(env, value, out) == napi_ok;
}

/*
 * rsaOaepDecode(encoded, modulusBytes, hash: "sha1" | "sha256"): Buffer — EME-OAEP decoding (RFC 8017 §7.1.2 step 3)
 * of the output of a raw RSA decryption, with MGF1 of the same hash and an empty label. OpenSSL's check runs in
 * constant time; every failure (arguments included) is the same generic error, so the caller is no padding oracle.
 * `encoded` may be shorter than k (a token may drop leading zero bytes): it is left-padded with zeros to k bytes
 * first, the form OpenSSL reads without a length-dependent memory access.
 */
static napi_value RsaOaepDecode(napi_env env, napi_callback_info info) {
  static const char* const kOaepHashes[] = {"sha1", "sha256", NULL};
  size_t argc = 3;
  napi_value argv[3];
  const uint8_t* encoded = NULL;
  size_t encoded_len = 0;
  int32_t k = 0;
  const EVP_MD* md = NULL;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !get_bytes(env, argv[0], &encoded, &encoded_len) || !get_int32(env, argv[1], &k) ||
      (md = get_padding_md(env, argv[2], kOaepHashes)) == NULL)
    return throw_error(env, kOperationFailed, kGenericMessage);
  if (k < 2 * EVP_MD_get_size(md) + 2 || k > PADDING_MAX_MODULUS_BYTES || encoded_len > (size_t)k)
    return throw_error(env, kOperationFailed, kGenericMessage);

  uint8_t* em = (uint8_t*)OPENSSL_zalloc((size_t)k);
  uint8_t* message = (uint8_t*)OPENSSL_malloc((size_t)k);
  int message_len = -1;
  if (em != NULL && message != NULL) {
    memcpy(em + (k - (int)encoded_len), encoded, encoded_len);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    message_len = RSA_padding_check_PKCS1_OAEP_mgf1(message, k, em, k, k, NULL, 0, md, md);
#pragma GCC diagnostic pop
  }
  /* OpenSSL queues an error whatever the outcome (clearing it in constant time on success): nothing may remain. */
  ERR_clear_error();
  napi_value result = NULL;
  bool ok = message_len >= 0 && napi_create_buffer_copy(env, (size_t)message_len, message, NULL, &result) == napi_ok;
  OPENSSL_clear_free(em, (size_t)k);
  OPENSSL_clear_free(message, (size_t)k);
  if (!ok) return throw_error(env, kOperationFailed, kGenericMessage);
  return result;
}

/*
 * rsaPkcs1DecodeImplicit(encoded, kdk, modulusBytes): Buffer — EME-PKCS1-v1_5 decoding with implicit rejection (the
 * draft §7.2 after step 2) of the output of a raw RSA decryption done elsewhere (a token's CKM_RSA_X_509), with a
 * 32-byte key derivation key the caller derived: the same code as rsaPkcs1Decrypt after its own KDK. A padding that
 * is wrong is not an error (the result is the synthetic message); only bad arguments throw, and they say so, since
 * they depend on the caller alone. `encoded` may be shorter than k (leading zero bytes dropped): it is left-padded.
 */
static napi_value RsaPkcs1DecodeImplicit(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  const uint8_t* encoded = NULL;
  size_t encoded_len = 0;
  const uint8_t* kdk = NULL;
  size_t kdk_len = 0;
  int32_t k = 0;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !get_bytes(env, argv[0], &encoded, &encoded_len) || !get_bytes(env, argv[1], &kdk, &kdk_len) ||
      !get_int32(env, argv[2], &k))
    return throw_error(env, kInvalidArgument, "rsaPkcs1DecodeImplicit(encoded, kdk, modulusBytes)");
  if (kdk_len != IR_HASH_LEN) return throw_error(env, kInvalidArgument, "the key derivation key must be 32 bytes");
  if (k < 11 + 1 || k > PADDING_MAX_MODULUS_BYTES)
    return throw_error(env, kInvalidArgument, "unsupported modulus size");
  if (encoded_len > (size_t)k) return throw_error(env, kInvalidArgument, "the encoded message is longer than the modulus");

  uint8_t* em = (uint8_t*)OPENSSL_zalloc((size_t)k);
  uint8_t* message = (uint8_t*)OPENSSL_malloc((size_t)k);
  size_t message_len = 0;
  napi_value result = NULL;
  bool ok = em != NULL && message != NULL;
  if (ok) {
    memcpy(em + (k - (int)encoded_len), encoded, encoded_len);
    ok = ir_unpad(em, kdk, (size_t)k, message, &message_len) &&
         napi_create_buffer_copy(env, message_len, message, NULL, &result) == napi_ok;
  }
  OPENSSL_clear_free(em, (size_t)k);
  OPENSSL_clear_free(message, (size_t)k);
  ERR_clear_error();
  if (!ok) return throw_error(env, kOperationFailed, kGenericMessage);
  return result;
}

/*
 * A public RSA key that stands for a modulus size only: RSA_padding_add_PKCS1_PSS_mgf1 reads nothing of its key but
 * the size of n (RSA_bits, RSA_size), so n is 2^(bits-1) + 1, which has exactly `bits` bits, and e is F4.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static RSA* rsa_of_size(int bits) {
  RSA* rsa = RSA_new();
  BIGNUM* n = BN_new();
  BIGNUM* e = BN_new();
  if (rsa != NULL && n != NULL && e != NULL && BN_set_bit(n, bits - 1) == 1 && BN_set_bit(n, 0) == 1 &&
      BN_set_word(e, RSA_F4) == 1 && RSA_set0_key(rsa, n, e, NULL) == 1)
    return rsa; /* RSA_set0_key took n and e */
  BN_free(n);
  BN_free(e);
  RSA_free(rsa);
  return NULL;
}

/*
 * rsaPssEncode(digest, modulusBits, hash: "sha256" | "sha384" | "sha512"): Buffer — EMSA-PSS encoding (RFC 8017
 * §9.1.1) of a digest for a modulus of that many bits, with MGF1 of the same hash and a fresh salt as long as the
 * digest (as signDigest's PS* signatures). The k-byte result is ready for a raw RSA private operation (RSASP1).
 */
static napi_value RsaPssEncode(napi_env env, napi_callback_info info) {
  static const char* const kPssHashes[] = {"sha256", "sha384", "sha512", NULL};
  size_t argc = 3;
  napi_value argv[3];
  const uint8_t* digest = NULL;
  size_t digest_len = 0;
  int32_t bits = 0;
  const EVP_MD* md = NULL;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !get_bytes(env, argv[0], &digest, &digest_len) || !get_int32(env, argv[1], &bits) ||
      (md = get_padding_md(env, argv[2], kPssHashes)) == NULL)
    return throw_error(env, kInvalidArgument, "rsaPssEncode(digest, modulusBits, hash: sha256, sha384 or sha512)");
  if (digest_len != (size_t)EVP_MD_get_size(md))
    return throw_error(env, kInvalidArgument, "digest length does not match the hash");
  if (bits < 2 || bits > PADDING_MAX_MODULUS_BYTES * 8)
    return throw_error(env, kInvalidArgument, "unsupported modulus size");

  RSA* rsa = rsa_of_size(bits);
  napi_value result = NULL;
  void* out = NULL;
  /* OpenSSL refuses a modulus too small for the digest and the salt (emLen < hLen + sLen + 2). */
  bool ok = rsa != NULL && napi_create_buffer(env, (size_t)RSA_size(rsa), &out, &result) == napi_ok &&
            RSA_padding_add_PKCS1_PSS_mgf1(rsa, (unsigned char*)out, digest, md, md, RSA_PSS_SALTLEN_DIGEST) == 1;
  RSA_free(rsa);
  ERR_clear_error();
  if (!ok) return throw_error(env, kInvalidArgument, "rsaPssEncode: the modulus is too small for the hash");
  return result;
}
#pragma GCC diagnostic pop

/* ------------------------------------------------------------------------------------------------------ */
/* Module                                                                                                 */
/* ------------------------------------------------------------------------------------------------------ */

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"loadPrivateKey", NULL, LoadPrivateKey, NULL, NULL, NULL, napi_enumerable, NULL},
      {"loadPublicKey", NULL, LoadPublicKey, NULL, NULL, NULL, napi_enumerable, NULL},
      {"signDigest", NULL, SignDigest, NULL, NULL, NULL, napi_enumerable, NULL},
      {"verifyDigest", NULL, VerifyDigest, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rsaPkcs1Decrypt", NULL, RsaPkcs1Decrypt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aesGcmSeal", NULL, AesGcmSeal, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aesGcmOpen", NULL, AesGcmOpen, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rsaOaepDecode", NULL, RsaOaepDecode, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rsaPssEncode", NULL, RsaPssEncode, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rsaPkcs1DecodeImplicit", NULL, RsaPkcs1DecodeImplicit, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  NAPI_OK(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
