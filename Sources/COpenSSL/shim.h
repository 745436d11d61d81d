#ifndef LORIKEET_COPENSSL_SHIM_H
#define LORIKEET_COPENSSL_SHIM_H

// The parts of OpenSSL's libcrypto that Lorikeet uses: AES-128 (ECB and CTR building blocks,
// key wrap per RFC 3394), AES-CMAC (RFC 4493) through EVP_MAC, and HMAC-SHA256 for webhook
// signatures. Swift cannot call C macros or build OSSL_PARAM arrays comfortably, so the few
// that we need are wrapped as static inline functions here.
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/cmac.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <string.h>

/// Fetches the CMAC algorithm once; callers keep the returned pointer for the process lifetime.
static inline EVP_MAC *lorikeet_cmac_fetch(void) {
    return EVP_MAC_fetch(NULL, "CMAC", NULL);
}

/// Initialises (or re-keys) a CMAC context for AES-128-CBC with a 16-byte key.
/// Returns 1 on success. The OSSL_PARAM array only lives for the duration of the call.
static inline int lorikeet_cmac_init(EVP_MAC_CTX *ctx, const unsigned char *key) {
    char cipher[] = "AES-128-CBC";
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_MAC_init(ctx, key, 16, params);
}

/// Restarts a CMAC computation with the key already set on the context (the cheapest path).
static inline int lorikeet_cmac_restart(EVP_MAC_CTX *ctx) {
    return EVP_MAC_init(ctx, NULL, 0, NULL);
}

#endif
