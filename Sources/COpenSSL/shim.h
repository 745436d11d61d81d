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

/// Creates an AES-128-ECB context (no padding) keyed for encryption (`encrypt` = 1) or
/// decryption (`encrypt` = 0). Returns NULL on failure. The caller frees it with EVP_CIPHER_CTX_free.
/// LoRaWAN uses single-block ECB as its building block (key derivation, A_i key streams,
/// join-accept "encryption" which is an AES decrypt operation on the network side).
static inline EVP_CIPHER_CTX *lorikeet_aes128_ecb_new(const unsigned char *key, int encrypt) {
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return NULL;
    if (EVP_CipherInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL, encrypt) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    return ctx;
}

/// Transforms exactly one 16-byte block with a context from lorikeet_aes128_ecb_new.
/// `in` and `out` may be the same buffer. Returns 1 on success.
static inline int lorikeet_aes128_ecb_block(EVP_CIPHER_CTX *ctx, const unsigned char *in, unsigned char *out) {
    int outl = 0;
    if (EVP_CipherUpdate(ctx, out, &outl, in, 16) != 1) return 0;
    return outl == 16;
}

/// Finishes a CMAC computation into a 16-byte buffer. Returns 1 on success.
static inline int lorikeet_cmac_final16(EVP_MAC_CTX *ctx, unsigned char *out) {
    size_t outl = 0;
    if (EVP_MAC_final(ctx, out, &outl, 16) != 1) return 0;
    return outl == 16;
}

/// AES key wrap (RFC 3394) with the default initial value A6A6A6A6A6A6A6A6, for a key-encryption
/// key of 16, 24 or 32 bytes. `encrypt` = 1 wraps `in` (a multiple of 8 bytes, at least 16) into
/// `inl` + 8 bytes at `out`; `encrypt` = 0 unwraps `inl` bytes into `inl` - 8 and fails (returns 0)
/// when the integrity check does not hold. Returns the number of bytes written, or 0 on failure.
static inline int lorikeet_aes_key_wrap(const unsigned char *kek, int keklen, int encrypt,
                                        const unsigned char *in, int inl, unsigned char *out) {
    const EVP_CIPHER *cipher;
    switch (keklen) {
    case 16: cipher = EVP_aes_128_wrap(); break;
    case 24: cipher = EVP_aes_192_wrap(); break;
    case 32: cipher = EVP_aes_256_wrap(); break;
    default: return 0;
    }
    if (inl < 16 || inl % 8 != 0) return 0;
    if (!encrypt && inl < 24) return 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return 0;
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    int total = 0, outl = 0;
    if (EVP_CipherInit_ex(ctx, cipher, NULL, kek, NULL, encrypt) != 1) goto fail;
    if (EVP_CipherUpdate(ctx, out, &outl, in, inl) <= 0) goto fail;
    total = outl;
    if (EVP_CipherFinal_ex(ctx, out + total, &outl) != 1) goto fail;
    total += outl;
    EVP_CIPHER_CTX_free(ctx);
    return total;
fail:
    EVP_CIPHER_CTX_free(ctx);
    return 0;
}

/// SHA-256 of `inl` bytes into 32 bytes at `out`. Returns 1 on success.
static inline int lorikeet_sha256(const unsigned char *in, size_t inl, unsigned char *out) {
    unsigned int size = 0;
    return EVP_Digest(in, inl, out, &size, EVP_sha256(), NULL) == 1 && size == 32;
}

#endif
