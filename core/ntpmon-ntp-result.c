/* ntpmon-ntp-result.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-ntp-result.h"

G_DEFINE_BOXED_TYPE (NtpmonNtpResult, ntpmon_ntp_result, ntpmon_ntp_result_ref,
                     ntpmon_ntp_result_unref)

NtpmonNtpResult *
ntpmon_ntp_result_new (void)
{
  NtpmonNtpResult *self = g_new0 (NtpmonNtpResult, 1);

  self->ref_count = 1;
  self->port = 123;
  return self;
}

NtpmonNtpResult *
ntpmon_ntp_result_ref (NtpmonNtpResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
ntpmon_ntp_result_unref (NtpmonNtpResult *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_clear_object (&self->ip);
  g_free (self->error);
  g_clear_pointer (&self->raw_reply, g_bytes_unref);
  g_free (self->ticket);
  g_free (self);
}

void
ntpmon_ntp_result_set_error (NtpmonNtpResult *self, const gchar *error)
{
  g_free (self->error);
  self->error = g_strdup (error);
}

/**
 * ntpmon_ntp_result_to_variant:
 *
 * Returns: (transfer floating): an `a{sv}` with the result's fields, absent
 * values left out (as D-Bus `CheckNow` and `check --json` present them).
 */
GVariant *
ntpmon_ntp_result_to_variant (const NtpmonNtpResult *self)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  if (self->ip != NULL)
    {
      g_autofree gchar *ip = g_inet_address_to_string (self->ip);
      g_variant_dict_insert (&dict, "ip", "s", ip);
    }
  g_variant_dict_insert (&dict, "port", "q", self->port);
  g_variant_dict_insert (&dict, "ts", "x", self->ts_ns);
  if (self->has_offset)
    g_variant_dict_insert (&dict, "offset", "d", self->offset_ns / 1e9);
  if (self->has_rtt)
    g_variant_dict_insert (&dict, "rtt", "d", self->rtt_ns / 1e9);
  g_variant_dict_insert (&dict, "stratum", "i", self->stratum);
  g_variant_dict_insert (&dict, "leap", "i", self->leap);
  g_variant_dict_insert (&dict, "refid", "u", self->refid);
  if (self->error != NULL)
    g_variant_dict_insert (&dict, "error", "s", self->error);
  g_variant_dict_insert (&dict, "no_response", "b", self->no_response);
  g_variant_dict_insert (&dict, "timestamps", "s",
                         self->timestamps == NTPMON_TIMESTAMPS_KERNEL ? "kernel" : "user");
  return g_variant_dict_end (&dict);
}
