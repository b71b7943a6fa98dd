/* ntpmon-api-auth.c: who is calling the API (spec api-server.md §4.2–4.4)
 *
 * SPDX-License-Identifier: MIT
 *
 * The TLS layer accepts any client certificate (libsoup asks through the
 * message's accept-certificate signal); the decision is made here, per
 * request: the chain must verify against the configured CA bundle at the
 * current time for client authentication, and the leaf must carry a DNS
 * SAN that is a valid monitor name. A presented certificate that fails is
 * refused outright, even if a token comes with it. Without a certificate
 * the `Authorization: Bearer` token decides.
 *
 * A success is remembered on the connection's certificate object (the
 * requests of a kept-alive connection share it) for at most
 * VERIFIED_TTL_USEC, never past the certificate's expiry and not across a
 * change of the trusted CAs; parsing and verifying the chain again on every
 * request was the largest cost of a small request.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "ntpmon-api-auth.h"

#define VERIFIED_TTL_USEC (60 * G_USEC_PER_SEC)

struct _NtpmonApiAuth
{
  GObject parent_instance;

  GTlsDatabase *database;
  guint generation; /* unique per auth object and trusted CA set */
  gchar *domain;
  NtpmonApiJwt *jwt;
};

G_DEFINE_TYPE (NtpmonApiAuth, ntpmon_api_auth, G_TYPE_OBJECT)
G_DEFINE_QUARK (ntpmon - api - auth - error - quark, ntpmon_api_auth_error)

/* A successful check, kept as qdata of the peer certificate. */
typedef struct
{
  guint generation;
  gint64 valid_until; /* real time, µs */
  gchar *identity;
} Verified;

static void
verified_free (gpointer data)
{
  Verified *verified = data;

  g_free (verified->identity);
  g_free (verified);
}

static GQuark
verified_quark (void)
{
  return g_quark_from_static_string ("ntpmon-api-auth-verified");
}

static guint
next_generation (void)
{
  static gint counter;

  return (guint)g_atomic_int_add (&counter, 1) + 1;
}

static gboolean
valid_label (const gchar *label, gsize len)
{
  if (len < 1 || len > 63 || label[0] == '-' || label[len - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (label[i]) && label[i] != '-')
      return FALSE;
  return TRUE;
}

/**
 * ntpmon_api_valid_monitor_name:
 * @domain: the monitor-name domain, e.g. `mon.ntppool.dev`
 *
 * Whether @name is `<host>.<env>.<domain>` with two valid DNS labels in
 * front of @domain (spec §4.3; compared exactly, as the reference does),
 * at most 253 characters, no wildcard.
 */
gboolean
ntpmon_api_valid_monitor_name (const gchar *name, const gchar *domain)
{
  gsize len, domain_len = strlen (domain);
  const gchar *prefix_end, *dot;

  if (name == NULL)
    return FALSE;
  len = strlen (name);
  if (len > 253 || len < domain_len + 3 || strchr (name, '*') != NULL)
    return FALSE;
  prefix_end = name + len - domain_len - 1;
  if (*prefix_end != '.' || strcmp (prefix_end + 1, domain) != 0)
    return FALSE;
  dot = memchr (name, '.', prefix_end - name);
  if (dot == NULL)
    return FALSE;
  return valid_label (name, dot - name) && valid_label (dot + 1, prefix_end - dot - 1);
}

static X509 *
leaf_x509 (GTlsCertificate *certificate)
{
  g_autoptr (GByteArray) der = NULL;
  const guint8 *p;

  g_object_get (certificate, "certificate", &der, NULL);
  p = der != NULL ? der->data : NULL;
  return p != NULL ? d2i_X509 (NULL, &p, der->len) : NULL;
}

/* Extended key usage as Go checks it, widened as spec §4.2 recommends: no
 * EKU extension, anyExtendedKeyUsage, serverAuth or clientAuth. (GnuTLS's
 * chain verification does not check the purpose.) */
static gboolean
usage_ok (GTlsCertificate *certificate)
{
  X509 *x509 = leaf_x509 (certificate);
  gboolean ok;

  if (x509 == NULL)
    return FALSE;
  ok = !(X509_get_extension_flags (x509) & EXFLAG_XKUSAGE)
       || (X509_get_extended_key_usage (x509) & (XKU_SSL_SERVER | XKU_SSL_CLIENT | XKU_ANYEKU));
  X509_free (x509);
  return ok;
}

/**
 * ntpmon_api_certificate_dns_names:
 *
 * Returns: (transfer full): the DNS names of @certificate's subject
 *   alternative names, in order (possibly none)
 */
gchar **
ntpmon_api_certificate_dns_names (GTlsCertificate *certificate, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  X509 *x509 = leaf_x509 (certificate);
  GENERAL_NAMES *sans;

  if (x509 == NULL)
    {
      g_set_error_literal (error, NTPMON_API_AUTH_ERROR, NTPMON_API_AUTH_ERROR_BAD_CERTIFICATE,
                           _ ("certificate cannot be parsed"));
      return NULL;
    }
  sans = X509_get_ext_d2i (x509, NID_subject_alt_name, NULL, NULL);
  for (int i = 0; sans != NULL && i < sk_GENERAL_NAME_num (sans); i++)
    {
      const GENERAL_NAME *gn = sk_GENERAL_NAME_value (sans, i);
      const guint8 *data;
      int len;

      if (gn->type != GEN_DNS)
        continue;
      data = ASN1_STRING_get0_data (gn->d.dNSName);
      len = ASN1_STRING_length (gn->d.dNSName);
      /* An embedded NUL would let a name pose as a shorter one. */
      if (len > 0 && memchr (data, '\0', len) == NULL)
        g_ptr_array_add (names, g_strndup ((const gchar *)data, len));
    }
  GENERAL_NAMES_free (sans);
  X509_free (x509);
  g_ptr_array_add (names, NULL);
  return (gchar **)g_ptr_array_steal (names, NULL);
}

const gchar *
ntpmon_api_auth_method_to_string (NtpmonApiAuthMethod method)
{
  switch (method)
    {
    case NTPMON_API_AUTH_MTLS:
      return "mtls";
    case NTPMON_API_AUTH_JWT:
      return "jwt";
    case NTPMON_API_AUTH_NONE:
    default:
      return "none";
    }
}

static void
ntpmon_api_auth_finalize (GObject *object)
{
  NtpmonApiAuth *self = NTPMON_API_AUTH (object);

  g_clear_object (&self->database);
  g_clear_object (&self->jwt);
  g_free (self->domain);
  G_OBJECT_CLASS (ntpmon_api_auth_parent_class)->finalize (object);
}

static void
ntpmon_api_auth_class_init (NtpmonApiAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_api_auth_finalize;
}

static void
ntpmon_api_auth_init (NtpmonApiAuth *self)
{
}

/**
 * ntpmon_api_auth_new:
 * @ca_file: PEM bundle of the CAs trusted for client certificates
 * @monitor_domain: (nullable): domain of monitor names, default `mon.ntppool.dev`
 */
NtpmonApiAuth *
ntpmon_api_auth_new (const gchar *ca_file, const gchar *monitor_domain, GError **error)
{
  g_autoptr (NtpmonApiAuth) self = g_object_new (NTPMON_API_TYPE_AUTH, NULL);

  if (!ntpmon_api_auth_set_ca_file (self, ca_file, error))
    return NULL;
  self->domain = g_strdup (monitor_domain != NULL && *monitor_domain != '\0'
                               ? monitor_domain
                               : NTPMON_API_DEFAULT_MONITOR_DOMAIN);
  return g_steal_pointer (&self);
}

/**
 * ntpmon_api_auth_set_ca_file:
 * @ca_file: PEM bundle of the CAs trusted for client certificates
 *
 * Replaces the trusted CAs (for handshakes from now on).
 */
gboolean
ntpmon_api_auth_set_ca_file (NtpmonApiAuth *self, const gchar *ca_file, GError **error)
{
  g_autoptr (GList) cas = NULL;
  GTlsDatabase *database;

  /* g_tls_file_database_new() accepts a file without certificates. */
  cas = g_tls_certificate_list_new_from_file (ca_file, error);
  if (cas == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                     _ ("no certificate in client CA bundle %s"), ca_file);
      return FALSE;
    }
  g_list_free_full (g_steal_pointer (&cas), g_object_unref);
  database = g_tls_file_database_new (ca_file, error);
  if (database == NULL)
    return FALSE;
  g_clear_object (&self->database);
  self->database = database;
  self->generation = next_generation ();
  return TRUE;
}

/**
 * ntpmon_api_auth_set_jwt:
 * @jwt: (nullable): the token verifier, or %NULL to disable bearer tokens
 */
void
ntpmon_api_auth_set_jwt (NtpmonApiAuth *self, NtpmonApiJwt *jwt)
{
  g_set_object (&self->jwt, jwt);
}

/**
 * ntpmon_api_auth_get_jwt:
 *
 * Returns: (transfer none) (nullable): the token verifier
 */
NtpmonApiJwt *
ntpmon_api_auth_get_jwt (NtpmonApiAuth *self)
{
  return self->jwt;
}

const gchar *
ntpmon_api_auth_get_monitor_domain (NtpmonApiAuth *self)
{
  return self->domain;
}

static const gchar *
describe_flags (GTlsCertificateFlags flags)
{
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return _ ("certificate has expired");
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return _ ("certificate is not valid yet");
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return _ ("certificate is not signed by a trusted CA");
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return _ ("certificate has been revoked");
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return _ ("certificate uses an insecure algorithm");
  return _ ("certificate is not valid");
}

static gchar *
verify_certificate (NtpmonApiAuth *self, GTlsCertificate *peer, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) names = NULL;
  GTlsCertificateFlags flags;

  flags = g_tls_database_verify_chain (self->database, peer,
                                       G_TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT, NULL, NULL,
                                       G_TLS_DATABASE_VERIFY_NONE, NULL, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, NTPMON_API_AUTH_ERROR, NTPMON_API_AUTH_ERROR_BAD_CERTIFICATE,
                   _ ("certificate cannot be verified: %s"), local_error->message);
      return NULL;
    }
  if (flags != 0)
    {
      g_set_error_literal (error, NTPMON_API_AUTH_ERROR, NTPMON_API_AUTH_ERROR_BAD_CERTIFICATE,
                           describe_flags (flags));
      return NULL;
    }
  if (!usage_ok (peer))
    {
      g_set_error_literal (error, NTPMON_API_AUTH_ERROR, NTPMON_API_AUTH_ERROR_BAD_CERTIFICATE,
                           _ ("certificate is not for TLS client or server authentication"));
      return NULL;
    }
  names = ntpmon_api_certificate_dns_names (peer, error);
  if (names == NULL)
    return NULL;
  for (guint i = 0; names[i] != NULL; i++)
    if (ntpmon_api_valid_monitor_name (names[i], self->domain))
      return g_strdup (names[i]);
  g_set_error_literal (error, NTPMON_API_AUTH_ERROR, NTPMON_API_AUTH_ERROR_BAD_CERTIFICATE,
                       _ ("certificate missing required DNS suffix"));
  return NULL;
}

/**
 * ntpmon_api_auth_check_certificate:
 * @peer: the client's certificate, with the chain it sent
 *
 * Returns: (transfer full): the monitor name of a certificate that
 *   verifies, else %NULL with %NTPMON_API_AUTH_ERROR_BAD_CERTIFICATE (a
 *   success is remembered on @peer, see the top of this file)
 */
gchar *
ntpmon_api_auth_check_certificate (NtpmonApiAuth *self, GTlsCertificate *peer, GError **error)
{
  Verified *verified = g_object_get_qdata (G_OBJECT (peer), verified_quark ());
  gint64 now = g_get_real_time ();
  g_autoptr (GDateTime) not_after = NULL;
  gchar *identity;

  if (verified != NULL && verified->generation == self->generation && now < verified->valid_until)
    return g_strdup (verified->identity);
  identity = verify_certificate (self, peer, error);
  if (identity == NULL)
    return NULL;
  verified = g_new0 (Verified, 1);
  verified->generation = self->generation;
  verified->identity = g_strdup (identity);
  verified->valid_until = now + VERIFIED_TTL_USEC;
  not_after = g_tls_certificate_get_not_valid_after (peer);
  if (not_after != NULL)
    verified->valid_until
        = MIN (verified->valid_until, g_date_time_to_unix (not_after) * G_USEC_PER_SEC);
  g_object_set_qdata_full (G_OBJECT (peer), verified_quark (), verified, verified_free);
  return identity;
}

typedef struct
{
  gchar *identity;
  NtpmonApiAuthMethod method;
} AuthResult;

static void
auth_result_free (AuthResult *result)
{
  g_free (result->identity);
  g_free (result);
}

static void
return_identity (GTask *task, gchar *identity, NtpmonApiAuthMethod method)
{
  AuthResult *result = g_new0 (AuthResult, 1);

  result->identity = identity;
  result->method = method;
  g_task_return_pointer (task, result, (GDestroyNotify)auth_result_free);
}

static void
jwt_verified (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  gchar *subject = ntpmon_api_jwt_verify_finish (NTPMON_API_JWT (source), res, &error);

  if (subject == NULL)
    {
      g_debug ("bearer token refused: %s", error->message);
      g_task_return_new_error (task, NTPMON_API_AUTH_ERROR, NTPMON_API_AUTH_ERROR_BAD_TOKEN,
                               "Invalid JWT token");
      return;
    }
  return_identity (task, subject, NTPMON_API_AUTH_JWT);
}

/**
 * ntpmon_api_auth_authenticate_async:
 * @peer: (nullable): the client certificate of the connection
 * @authorization: (nullable): the `Authorization` header
 */
void
ntpmon_api_auth_authenticate_async (NtpmonApiAuth *self, GTlsCertificate *peer,
                                    const gchar *authorization, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  gchar *identity;

  g_task_set_source_tag (task, ntpmon_api_auth_authenticate_async);
  if (peer != NULL)
    {
      identity = ntpmon_api_auth_check_certificate (self, peer, &error);
      if (identity != NULL)
        return_identity (task, identity, NTPMON_API_AUTH_MTLS);
      else
        g_task_return_error (task, error);
      return;
    }
  if (self->jwt != NULL && authorization != NULL && g_str_has_prefix (authorization, "Bearer "))
    {
      ntpmon_api_jwt_verify_async (self->jwt, authorization + strlen ("Bearer "), cancellable,
                                   jwt_verified, g_steal_pointer (&task));
      return;
    }
  g_task_return_new_error (task, NTPMON_API_AUTH_ERROR, NTPMON_API_AUTH_ERROR_NO_CREDENTIALS,
                           "Authentication required");
}

/**
 * ntpmon_api_auth_authenticate_finish:
 * @method: (out) (optional): how the caller was authenticated
 *
 * Returns: (transfer full): the caller's identity (monitor TLS name)
 */
gchar *
ntpmon_api_auth_authenticate_finish (NtpmonApiAuth *self, GAsyncResult *result,
                                     NtpmonApiAuthMethod *method, GError **error)
{
  AuthResult *auth = g_task_propagate_pointer (G_TASK (result), error);
  gchar *identity;

  if (auth == NULL)
    return NULL;
  if (method != NULL)
    *method = auth->method;
  identity = g_steal_pointer (&auth->identity);
  auth_result_free (auth);
  return identity;
}
