/*
 * keyhold_pkcs12: a thin N-API binding to OpenSSL's PKCS #12 (PFX, RFC 7292) reader and writer, which
 * node:crypto does not expose. Like keyhold_openssl, nothing is linked: the symbols resolve at load time from
 * the node binary (or the libcrypto a shared-OpenSSL build of Node has loaded).
 *
 *   - parsePkcs12(pfx, password | null, callback(err, { key, cert, chain })): the private key as PKCS #8 DER,
 *     the certificate that goes with it and the other certificates, each as DER;
 *   - createPkcs12(pkcs8, cert, chain[], password | null, callback(err, pfx)): with a password, the key and
 *     the certificates are encrypted with PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC); without one they are
 *     stored in clear. Either way the file carries an HMAC-SHA-256 MAC, keyed by the password or by the
 *     empty one, which is how readers (OpenSSL, Windows, .NET) expect a password-less PFX.
 *
 * Both run on the libuv thread pool: a PFX names its own PBKDF2 iteration count, so reading one can take long.
 * Failures carry a code and a fixed message of this file, never OpenSSL's error strings:
 *   ERR_KEYHOLD_PKCS12_MALFORMED      not a PKCS #12 file, or one without a key and its certificate;
 *   ERR_KEYHOLD_PKCS12_BAD_PASSWORD   the MAC does not verify with the password given (or with none);
 *   ERR_KEYHOLD_PKCS12_UNSUPPORTED    a MAC or encryption algorithm this OpenSSL does not offer (RC2, …);
 *   ERR_KEYHOLD_INVALID_ARGUMENT      wrong arguments, or a key and certificate that do not belong together;
 *   ERR_KEYHOLD_OPERATION_FAILED      anything else.
 */
#include <node_api.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char kMalformed[] = "ERR_KEYHOLD_PKCS12_MALFORMED";
static const char kBadPassword[] = "ERR_KEYHOLD_PKCS12_BAD_PASSWORD";
static const char kUnsupported[] = "ERR_KEYHOLD_PKCS12_UNSUPPORTED";
static const char kInvalidArgument[] = "ERR_KEYHOLD_INVALID_ARGUMENT";
static const char kOperationFailed[] = "ERR_KEYHOLD_OPERATION_FAILED";

/* RFC 8018 recommends at least 1000; OpenSSL's own default (PKCS12_DEFAULT_ITER) is 2048. */
static const int kIterations = 2048;
/* The largest PFX (or DER input) accepted, and the most certificates besides the key's own one may carry. */
static const size_t kMaxInput = 1 << 20;
static const uint32_t kMaxChain = 32;

typedef struct {
  const char* code;
  const char* message;
} Failure;

static const Failure kNotPkcs12 = {kMalformed, "not a PKCS#12 (PFX) file"};
static const Failure kNoKeyOrCert = {kMalformed, "the PFX holds no private key and certificate that go together"};
static const Failure kTooManyCerts = {kMalformed, "the PFX holds too many certificates"};
static const Failure kWrongPassword = {kBadPassword, "the PFX password is wrong"};
static const Failure kAlgorithmUnsupported = {kUnsupported, "the PFX uses an algorithm that is not supported"};
static const Failure kKeyCertMismatch = {kInvalidArgument, "the certificate does not match the private key"};
static const Failure kBadKey = {kInvalidArgument, "invalid PKCS#8 private key"};
static const Failure kBadCert = {kInvalidArgument, "invalid DER certificate"};
static const Failure kFailed = {kOperationFailed, "operation failed"};

/* ------------------------------------------------------------------------------------------------------ */
/* Jobs                                                                                                   */
/* ------------------------------------------------------------------------------------------------------ */

typedef enum { OP_PARSE, OP_CREATE } Op;

typedef struct {
  uint8_t* data;
  size_t len;
} Bytes;

typedef struct {
  napi_async_work work;
  napi_ref callback;
  Op op;
  char* password; /* NUL-terminated; NULL when none was given */
  size_t password_len;
  Bytes input;     /* parse: the PFX; create: the PKCS #8 key */
  Bytes cert;      /* create: input; parse: output */
  Bytes* chain;    /* create: input; parse: output */
  uint32_t chain_len;
  Bytes output;    /* parse: the PKCS #8 key; create: the PFX */
  const Failure* failure;
} Job;

static void bytes_free(Bytes* bytes, bool secret) {
  if (secret) {
    OPENSSL_clear_free(bytes->data, bytes->len);
  } else {
    OPENSSL_free(bytes->data);
  }
  bytes->data = NULL;
  bytes->len = 0;
}

static void job_free(Job* job) {
  if (job->password != NULL) OPENSSL_clear_free(job->password, job->password_len + 1);
  bytes_free(&job->input, true);
  bytes_free(&job->cert, false);
  for (uint32_t i = 0; i < job->chain_len; i++) bytes_free(&job->chain[i], false);
  free(job->chain);
  bytes_free(&job->output, true);
  free(job);
}

/* DER of a certificate into OpenSSL-allocated memory. */
static bool cert_to_bytes(X509* cert, Bytes* out) {
  unsigned char* der = NULL;
  int len = i2d_X509(cert, &der);
  if (len <= 0) return false;
  out->data = der;
  out->len = (size_t)len;
  return true;
}

static X509* cert_from_bytes(const Bytes* bytes) {
  const unsigned char* p = bytes->data;
  X509* cert = d2i_X509(NULL, &p, (long)bytes->len);
  if (cert != NULL && p != bytes->data + bytes->len) {
    X509_free(cert);
    return NULL;
  }
  return cert;
}

/* RFC 7292 leaves "no password" open: OpenSSL, like Windows, tries the absent password, then the empty one. */
static const Failure* check_mac(PKCS12* p12, const char* password, int password_len, const char** used) {
  if (!PKCS12_mac_present(p12)) {
    *used = password;
    return NULL;
  }
  ERR_clear_error();
  if (password != NULL && password_len > 0) {
    *used = password;
    if (PKCS12_verify_mac(p12, password, password_len)) return NULL;
  } else {
    *used = NULL;
    if (PKCS12_verify_mac(p12, NULL, 0)) return NULL;
    *used = "";
    if (PKCS12_verify_mac(p12, "", 0)) return NULL;
  }
  /* A mismatch leaves the error queue empty; a MAC OpenSSL cannot compute leaves an error. */
  return ERR_peek_error() == 0 ? &kWrongPassword : &kAlgorithmUnsupported;
}

static const Failure* run_parse(Job* job) {
  const unsigned char* p = job->input.data;
  PKCS12* p12 = d2i_PKCS12(NULL, &p, (long)job->input.len);
  EVP_PKEY* pkey = NULL;
  X509* cert = NULL;
  STACK_OF(X509)* ca = NULL;
  PKCS8_PRIV_KEY_INFO* p8 = NULL;
  const char* password = NULL;
  const Failure* failure = NULL;

  if (p12 == NULL || p != job->input.data + job->input.len) {
    failure = &kNotPkcs12;
    goto done;
  }
  if ((failure = check_mac(p12, job->password, (int)job->password_len, &password)) != NULL) goto done;
  ERR_clear_error();
  if (!PKCS12_parse(p12, password, &pkey, &cert, &ca)) {
    /* The MAC verified, so the password is right: what failed is decryption or the contents. */
    unsigned long err = ERR_peek_error();
    bool unsupported = ERR_GET_REASON(err) == ERR_R_UNSUPPORTED || ERR_GET_LIB(err) == ERR_LIB_EVP;
    failure = unsupported ? &kAlgorithmUnsupported : &kNotPkcs12;
    goto done;
  }
  if (pkey == NULL || cert == NULL) {
    failure = &kNoKeyOrCert;
    goto done;
  }

  failure = &kFailed;
  p8 = EVP_PKEY2PKCS8(pkey);
  if (p8 == NULL) goto done;
  {
    unsigned char* der = NULL;
    int len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
    if (len <= 0) goto done;
    job->output.data = der;
    job->output.len = (size_t)len;
  }
  if (!cert_to_bytes(cert, &job->cert)) goto done;
  {
    int count = ca == NULL ? 0 : sk_X509_num(ca);
    if (count > (int)kMaxChain) {
      failure = &kTooManyCerts;
      goto done;
    }
    if (count > 0 && (job->chain = (Bytes*)calloc((size_t)count, sizeof(Bytes))) == NULL) goto done;
    for (int i = 0; i < count; i++) {
      if (!cert_to_bytes(sk_X509_value(ca, i), &job->chain[i])) goto done;
      job->chain_len = (uint32_t)i + 1;
    }
  }
  failure = NULL;
done:
  PKCS8_PRIV_KEY_INFO_free(p8);
  EVP_PKEY_free(pkey);
  X509_free(cert);
  sk_X509_pop_free(ca, X509_free);
  PKCS12_free(p12);
  return failure;
}

static const Failure* run_create(Job* job) {
  const unsigned char* p = job->input.data;
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)job->input.len);
  EVP_PKEY* pkey = NULL;
  X509* cert = NULL;
  STACK_OF(X509)* ca = NULL;
  PKCS12* p12 = NULL;
  const Failure* failure = NULL;

  if (p8 == NULL || p != job->input.data + job->input.len || (pkey = EVP_PKCS82PKEY(p8)) == NULL) {
    failure = &kBadKey;
    goto done;
  }
  if ((cert = cert_from_bytes(&job->cert)) == NULL) {
    failure = &kBadCert;
    goto done;
  }
  if (X509_check_private_key(cert, pkey) != 1) {
    failure = &kKeyCertMismatch;
    goto done;
  }
  if ((ca = sk_X509_new_null()) == NULL) {
    failure = &kFailed;
    goto done;
  }
  for (uint32_t i = 0; i < job->chain_len; i++) {
    X509* link = cert_from_bytes(&job->chain[i]);
    if (link == NULL || !sk_X509_push(ca, link)) {
      X509_free(link);
      failure = &kBadCert;
      goto done;
    }
  }

  {
    /* -1 as the NID stores the bags in clear; -1 as the MAC iteration count leaves the MAC to us. */
    int nid = job->password != NULL ? NID_aes_256_cbc : -1;
    p12 = PKCS12_create(job->password, NULL, pkey, cert, ca, nid, nid, kIterations, -1, 0);
  }
  failure = &kFailed;
  if (p12 == NULL) goto done;
  /* PKCS12_create's MAC is HMAC-SHA-1; SHA-256 is what current OpenSSL and Windows write. */
  if (!PKCS12_set_mac(p12, job->password != NULL ? job->password : "", -1, NULL, 0, kIterations, EVP_sha256())) goto done;
  {
    unsigned char* der = NULL;
    int len = i2d_PKCS12(p12, &der);
    if (len <= 0) goto done;
    job->output.data = der;
    job->output.len = (size_t)len;
  }
  failure = NULL;
done:
  PKCS12_free(p12);
  sk_X509_pop_free(ca, X509_free);
  X509_free(cert);
  EVP_PKEY_free(pkey);
  PKCS8_PRIV_KEY_INFO_free(p8);
  return failure;
}

static void job_execute(napi_env env, void* data) {
  (void)env;
  Job* job = (Job*)data;
  job->failure = job->op == OP_PARSE ? run_parse(job) : run_create(job);
  /* This thread's error queue must not carry anything into the next job it runs. */
  ERR_clear_error();
}

/* ------------------------------------------------------------------------------------------------------ */
/* Results                                                                                                */
/* ------------------------------------------------------------------------------------------------------ */

static napi_value make_error(napi_env env, const Failure* failure) {
  napi_value code = NULL;
  napi_value message = NULL;
  napi_value error = NULL;
  napi_create_string_utf8(env, failure->code, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, failure->message, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  return error;
}

static bool make_buffer(napi_env env, const Bytes* bytes, napi_value* out) {
  return napi_create_buffer_copy(env, bytes->len, bytes->data, NULL, out) == napi_ok;
}

static bool make_parse_result(napi_env env, const Job* job, napi_value* out) {
  napi_value key, cert, chain;
  if (napi_create_object(env, out) != napi_ok || !make_buffer(env, &job->output, &key) ||
      !make_buffer(env, &job->cert, &cert) || napi_create_array_with_length(env, job->chain_len, &chain) != napi_ok)
    return false;
  for (uint32_t i = 0; i < job->chain_len; i++) {
    napi_value link;
    if (!make_buffer(env, &job->chain[i], &link) || napi_set_element(env, chain, i, link) != napi_ok) return false;
  }
  return napi_set_named_property(env, *out, "key", key) == napi_ok &&
         napi_set_named_property(env, *out, "cert", cert) == napi_ok &&
         napi_set_named_property(env, *out, "chain", chain) == napi_ok;
}

static void job_complete(napi_env env, napi_status status, void* data) {
  Job* job = (Job*)data;
  napi_value callback = NULL;
  napi_value global = NULL;
  napi_value argv[2] = {NULL, NULL};
  size_t argc = 1;

  if (napi_get_reference_value(env, job->callback, &callback) == napi_ok && callback != NULL &&
      napi_get_global(env, &global) == napi_ok) {
    const Failure* failure = status != napi_ok ? &kFailed : job->failure;
    if (failure == NULL) {
      bool made = job->op == OP_PARSE ? make_parse_result(env, job, &argv[1]) : make_buffer(env, &job->output, &argv[1]);
      if (made) {
        napi_get_null(env, &argv[0]);
        argc = 2;
      } else {
        failure = &kFailed;
      }
    }
    if (failure != NULL) argv[0] = make_error(env, failure);
    napi_call_function(env, global, callback, argc, argv, NULL);
  }
  napi_delete_reference(env, job->callback);
  napi_delete_async_work(env, job->work);
  job_free(job);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Arguments                                                                                              */
/* ------------------------------------------------------------------------------------------------------ */

static napi_value throw_error(napi_env env, const char* code, const char* message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, code, message);
  return NULL;
}

/* A copy of a Uint8Array (Buffer included) in OpenSSL-allocated memory, owned by the job. */
static bool copy_bytes(napi_env env, napi_value value, Bytes* out) {
  bool is_typedarray = false;
  napi_typedarray_type type;
  void* ptr = NULL;
  size_t len = 0;
  if (napi_is_typedarray(env, value, &is_typedarray) != napi_ok || !is_typedarray) return false;
  if (napi_get_typedarray_info(env, value, &type, &len, &ptr, NULL, NULL) != napi_ok) return false;
  if (type != napi_uint8_array || len == 0 || len > kMaxInput) return false;
  if ((out->data = (uint8_t*)OPENSSL_malloc(len)) == NULL) return false;
  memcpy(out->data, ptr, len);
  out->len = len;
  return true;
}

/* null/undefined: no password; a string: its UTF-8 bytes, as OpenSSL's PKCS12_parse expects them. */
static bool copy_password(napi_env env, napi_value value, Job* job) {
  napi_valuetype type;
  size_t len = 0;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type == napi_null || type == napi_undefined) return true;
  if (type != napi_string || napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok || len > 1024)
    return false;
  if ((job->password = (char*)OPENSSL_malloc(len + 1)) == NULL) return false;
  job->password_len = len;
  return napi_get_value_string_utf8(env, value, job->password, len + 1, &len) == napi_ok;
}

static bool is_function(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && type == napi_function;
}

/* Takes the job (freeing it on failure) and queues it; returns undefined, or NULL with an exception. */
static napi_value queue_job(napi_env env, Job* job, napi_value callback, const char* name) {
  napi_value resource_name;
  napi_value undefined;
  if (napi_create_reference(env, callback, 1, &job->callback) != napi_ok) {
    job_free(job);
    return throw_error(env, kFailed.code, kFailed.message);
  }
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_async_work(env, NULL, resource_name, job_execute, job_complete, job, &job->work) != napi_ok) {
    napi_delete_reference(env, job->callback);
    job_free(job);
    return throw_error(env, kFailed.code, kFailed.message);
  }
  if (napi_queue_async_work(env, job->work) != napi_ok) {
    napi_delete_async_work(env, job->work);
    napi_delete_reference(env, job->callback);
    job_free(job);
    return throw_error(env, kFailed.code, kFailed.message);
  }
  napi_get_undefined(env, &undefined);
  return undefined;
}

/* parsePkcs12(pfx, password, callback(err, { key, cert, chain })) */
static napi_value ParsePkcs12(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || !is_function(env, argv[2]))
    return throw_error(env, kInvalidArgument, "parsePkcs12(pfx, password, callback)");
  Job* job = (Job*)calloc(1, sizeof(Job));
  if (job == NULL) return throw_error(env, kFailed.code, kFailed.message);
  job->op = OP_PARSE;
  if (!copy_bytes(env, argv[0], &job->input) || !copy_password(env, argv[1], job)) {
    job_free(job);
    return throw_error(env, kInvalidArgument, "parsePkcs12 expects a non-empty Buffer and a string or null password");
  }
  return queue_job(env, job, argv[2], "keyhold.parsePkcs12");
}

/* createPkcs12(pkcs8, cert, chain, password, callback(err, pfx)) */
static napi_value CreatePkcs12(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  bool is_array = false;
  uint32_t chain_len = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 || !is_function(env, argv[4]) ||
      napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[2], &chain_len) != napi_ok || chain_len > kMaxChain)
    return throw_error(env, kInvalidArgument, "createPkcs12(pkcs8, cert, chain, password, callback)");
  Job* job = (Job*)calloc(1, sizeof(Job));
  if (job == NULL) return throw_error(env, kFailed.code, kFailed.message);
  job->op = OP_CREATE;
  if (chain_len > 0 && (job->chain = (Bytes*)calloc(chain_len, sizeof(Bytes))) == NULL) {
    job_free(job);
    return throw_error(env, kFailed.code, kFailed.message);
  }
  bool ok = copy_bytes(env, argv[0], &job->input) && copy_bytes(env, argv[1], &job->cert) &&
            copy_password(env, argv[3], job);
  for (uint32_t i = 0; ok && i < chain_len; i++) {
    napi_value link;
    ok = napi_get_element(env, argv[2], i, &link) == napi_ok && copy_bytes(env, link, &job->chain[i]);
    if (ok) job->chain_len = i + 1;
  }
  if (!ok) {
    job_free(job);
    return throw_error(env, kInvalidArgument, "createPkcs12 expects DER Buffers and a string or null password");
  }
  return queue_job(env, job, argv[4], "keyhold.createPkcs12");
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"parsePkcs12", NULL, ParsePkcs12, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createPkcs12", NULL, CreatePkcs12, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok)
    return throw_error(env, kFailed.code, kFailed.message);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
