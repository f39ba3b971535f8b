/*
 * limits.h — every bound libentente enforces, in one place.
 * Exceeding one is an ENT_ELIMIT (or ENT_EINVAL) error with a message naming
 * the limit; never a crash or a silent truncation.
 */
#ifndef ENTENTE_LIMITS_H
#define ENTENTE_LIMITS_H

#define ENT_VALUE_MAX      2048  /* bytes of an indicator value, raw or canonical */
#define ENT_DOMAIN_MAX      253  /* bytes of a domain name in A-label form */
#define ENT_LABEL_MAX        63  /* bytes of one domain label */
#define ENT_EMAIL_LOCAL_MAX  64  /* bytes of an e-mail local part */
#define ENT_NAME_MAX        128  /* bytes of a node name, source or tag */
#define ENT_TAGS_MAX         32  /* tags given on one command */
#define ENT_LINE_MAX    1048576  /* bytes of one input line or CSV record */
#define ENT_CSV_FIELDS_MAX  512  /* fields of one CSV record */
#define ENT_PATH_MAX       4096  /* bytes of a path */
#define ENT_IMPORT_ERRORS_SHOWN 5 /* invalid rows an import report details */
#define ENT_IMPORT_LISTS_SHOWN  8 /* warninglists an import report names */
#define ENT_JSON_VALUE_MAX (64u << 20) /* bytes of one STIX object or MISP event */
#define ENT_PSI_SET_MAX  (1u << 24) /* elements of one side of a private match */
#define ENT_PSI_CHUNK_MAX     4096  /* elements in one private-match chunk */
#define ENT_PSI_THREADS_MAX     64  /* worker threads of a private match */

#endif
