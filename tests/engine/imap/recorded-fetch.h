/* recorded-fetch.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* FETCH responses recorded from Dovecot 2.3 (Debian 12) serving the test
 * corpus (tests/fixtures) and a few messages appended for the purpose; the
 * same bytes are seeds in tests/fuzz/corpus/imap-parser/. Lengths are
 * sizeof - 1: some hold NUL bytes. */

#pragma once

/* A single-part message with PREVIEW, from UID FETCH 1:* (UID FLAGS INTERNALDATE
 * RFC822.SIZE MODSEQ ENVELOPE BODYSTRUCTURE PREVIEW). */
static const char recorded_fetch_single_part[] =
  "* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) INTERNALDATE \"04-Mar-2022 11:49:33 +0000\" RFC822."
  "SIZE 1114 MODSEQ (2) PREVIEW \"Hi Alice, I had a look at the numbers and they mostly add up."
  " There is a small typo on page three, otherwise it looks great. Please review the changes wh"
  "en you have a moment. I had a look at the numbe\" ENVELOPE (\"Fri, 04 Mar 2022 19:49:33 +080"
  "0\" \"[tern-dev] [PATCH v1395] imap: fix QRESYNC after EXPUNGE\" ((\"=?UTF-8?B?5p2O5bCP6b6Z?"
  "=\" NIL \"li\" \"example.cn\")) ((\"=?UTF-8?B?5p2O5bCP6b6Z?=\" NIL \"li\" \"example.cn\")) ("
  "(\"=?UTF-8?B?5p2O5bCP6b6Z?=\" NIL \"li\" \"example.cn\")) ((NIL NIL \"tern-dev\" \"lists.exa"
  "mple.org\")) NIL NIL NIL \"<20220304114933.69daad56.1@example.net>\") BODYSTRUCTURE (\"text"
  "\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") NIL NIL \"quoted-printable\" 288 "
  "10 NIL NIL NIL NIL))\r\n";

/* 8-bit subject and names, which Dovecot sends as literals. */
static const char recorded_fetch_literals[] =
  "* 37 FETCH (UID 37 FLAGS (\\Recent) INTERNALDATE \"18-May-2025 10:55:02 +0000\" RFC822.SIZE "
  "1032 MODSEQ (2) PREVIEW {201}\r\n"
  "Hi Alice, Thanks for sending this over so quickly. I am not sure this is the right approach,"
  " but it is a start. I am not sure this is the right approach, but it is a start. Best regard"
  "s, S\xc3\xb8ren Kierkeg ENVELOPE (\"Sun, 18 May 2025 11:55:02 +0100\" {81}\r\n"
  "Draft proposal for the new storage layer, please review before Thursday's meeting ((\"=?UTF-"
  "8?B?U8O4cmVuIEtpZXJrZWfDpXJk?=\" NIL \"soren\" \"example.dk\")) ((\"=?UTF-8?B?U8O4cmVuIEtpZX"
  "JrZWfDpXJk?=\" NIL \"soren\" \"example.dk\")) ((\"=?UTF-8?B?U8O4cmVuIEtpZXJrZWfDpXJk?=\" NIL"
  " \"soren\" \"example.dk\")) ((\"Alice Liddell\" NIL \"alice\" \"example.org\")) NIL NIL NIL "
  "\"<20250518105502.1863d789.57@example.net>\") BODYSTRUCTURE (\"text\" \"plain\" (\"charset\""
  " \"utf-8\") NIL NIL \"base64\" 358 5 NIL NIL NIL NIL))\r\n";

/* multipart/alternative with a multipart/related inside. */
static const char recorded_fetch_alternative_related[] =
  "* 4 FETCH (UID 4 FLAGS (\\Seen \\Recent) INTERNALDATE \"18-Apr-2022 13:50:31 +0000\" RFC822."
  "SIZE 18749 MODSEQ (2) PREVIEW {139}\r\n"
  "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d Alice, \xd7\xaa\xd7\x95\xd7\x93\xd7\x94 \xd7\xa2\xd7\x9c "
  "\xd7\x94\xd7\xaa\xd7\xa9\xd7\x95\xd7\x91\xd7\x94 \xd7\x94\xd7\x9e\xd7\x94\xd7\x99\xd7\xa8"
  "\xd7\x94. On Sun, 30 Jan 2022 07:57:57 +0200, \xd7\x93\xd7\x95\xd7\x93 \xd7\x9b\xd7\x94\xd7"
  "\x9f wrote: \xd7\x91\xd7\x91\xd7\xa8\xd7\x9b\xd7\x94, \xd7\x93\xd7\x95\xd7\x93 \xd7\x9b\xd7"
  "\x94\xd7\x9f ENVELOPE (\"Mon, 18 Apr 2022 15:50:31 +0200\" \"=?UTF-8?B?UmU6INeh15nXm9eV150g1"
  "6TXkteZ16nXlA==?=\" ((\"=?UTF-8?B?15PXldeTINeb15TXnw==?=\" NIL \"david\" \"example.co.il\"))"
  " ((\"=?UTF-8?B?15PXldeTINeb15TXnw==?=\" NIL \"david\" \"example.co.il\")) ((\"=?UTF-8?B?15PX"
  "ldeTINeb15TXnw==?=\" NIL \"david\" \"example.co.il\")) ((\"Alice Liddell\" NIL \"alice\" \"e"
  "xample.org\")) NIL NIL \"<20220130055757.b4cc883d.0@example.net>\" \"<20220418135031.e4d3f17"
  "0.5@example.net>\") BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quo"
  "ted-printable\" 518 15 NIL NIL NIL NIL)((\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL "
  "\"quoted-printable\" 947 22 NIL NIL NIL NIL)(\"image\" \"png\" (\"name\" \"logo.png\") \"<im"
  "g5.e8ff6813@example.net>\" NIL \"base64\" 15932 NIL (\"inline\" (\"filename\" \"logo.png\"))"
  " NIL NIL) \"related\" (\"boundary\" \"=_tern_5_2_f93f1616\") NIL NIL NIL) \"alternative\" ("
  "\"boundary\" \"=_tern_5_1_2e906842\") NIL NIL NIL))\r\n";

/* multipart/mixed with a forwarded message/rfc822 part. */
static const char recorded_fetch_rfc822[] =
  "* 7 FETCH (UID 7 FLAGS (\\Seen \\Recent) INTERNALDATE \"23-Aug-2022 23:36:39 +0000\" RFC822."
  "SIZE 4779 MODSEQ (2) PREVIEW {43}\r\n"
  "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d Alice, Forwarding this, see below. ENVELOPE (\"Wed, 24 Aug "
  "2022 01:36:39 +0200\" \"=?UTF-8?B?RndkOiDOms6xzrvPjCDOoM6sz4PPh86xIQ==?=\" ((\"=?UTF-8?B?15P"
  "XldeTINeb15TXnw==?=\" NIL \"david\" \"example.co.il\")) ((\"=?UTF-8?B?15PXldeTINeb15TXnw==?="
  "\" NIL \"david\" \"example.co.il\")) ((\"=?UTF-8?B?15PXldeTINeb15TXnw==?=\" NIL \"david\" \""
  "example.co.il\")) ((\"Alice Liddell\" NIL \"alice\" \"example.org\")) NIL NIL \"<20220418135"
  "031.e4d3f170.5@example.net>\" \"<20220823233639.9f4e4334.9@example.net>\") BODYSTRUCTURE (("
  "\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"base64\" 60 0 NIL NIL NIL NIL)(\"messag"
  "e\" \"rfc822\" NIL NIL NIL \"8bit\" 3643 (\"Sun, 10 Apr 2022 11:55:38 +0300\" \"=?UTF-8?B?zp"
  "rOsc67z4wgzqDOrM+Dz4fOsSE=?=\" ((\"=?UTF-8?B?zpXOu86tzr3OtyDOnc65zrrOv867zqzOv8+F?=\" NIL \""
  "eleni\" \"example.gr\")) ((\"=?UTF-8?B?zpXOu86tzr3OtyDOnc65zrrOv867zqzOv8+F?=\" NIL \"eleni"
  "\" \"example.gr\")) ((\"=?UTF-8?B?zpXOu86tzr3OtyDOnc65zrrOv867zqzOv8+F?=\" NIL \"eleni\" \"e"
  "xample.gr\")) ((\"Alice Liddell\" NIL \"alice\" \"example.org\")) NIL NIL NIL \"<20220410085"
  "538.182050a6.4@example.net>\") ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\""
  " 328 8 NIL NIL NIL NIL)(\"application\" \"octet-stream\" (\"name\" \"backup.tar.gz\") NIL NI"
  "L \"base64\" 2338 NIL (\"attachment\" (\"filename\" \"backup.tar.gz\")) NIL NIL) \"mixed\" ("
  "\"boundary\" \"=_tern_4_1_8cb745b2\") NIL NIL NIL) 65 NIL (\"inline\" NIL) NIL NIL) \"mixed"
  "\" (\"boundary\" \"=_tern_9_1_b4c8fb17\") NIL NIL NIL))\r\n";

/* Group syntax: "To: undisclosed-recipients:;" and a group with members in Cc. */
static const char recorded_fetch_group[] =
  "* 1 FETCH (UID 1 ENVELOPE (\"Mon, 1 Jan 2024 10:00:00 +0100\" \"group syntax\" ((\"Alice\" N"
  "IL \"alice\" \"example.org\")) ((\"Alice\" NIL \"alice\" \"example.org\")) ((\"Alice\" NIL "
  "\"alice\" \"example.org\")) ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) ((NI"
  "L NIL \"Friends\" NIL)(NIL NIL \"a\" \"b.example\")(\"Bob Q. Smith\" NIL \"bob\" \"x.example"
  "\")(NIL NIL NIL NIL)(NIL NIL \"carol\" \"z.example\")) NIL NIL \"<group@example.org>\") BODY"
  "STRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1 NIL NIL NIL NI"
  "L) BODY (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1))\r\n";

/* Every extension field: md5, language, location, nested message/rfc822 parts
 * (multipart and single-part inside), BODY and BODYSTRUCTURE together. */
static const char recorded_fetch_extension[] =
  "* 2 FETCH (UID 2 ENVELOPE (\"Tue, 2 Jan 2024 11:00:00 +0000\" \"extension fields\" ((\"Bob\""
  " NIL \"bob\" \"example.com\")) ((\"Bob\" NIL \"bob\" \"example.com\")) ((\"Bob\" NIL \"bob\""
  " \"example.com\")) ((\"Alice\" NIL \"alice\" \"example.org\")) NIL NIL NIL \"<ext@example.co"
  "m>\") BODYSTRUCTURE ((((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 17 0 \"Q"
  "2hlY2sgSW50ZWdyaXR5IQ==\" NIL (\"fr\") NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NI"
  "L \"quoted-printable\" 28 0 NIL NIL NIL \"body.html\") \"alternative\" (\"boundary\" \"alt\""
  ") NIL NIL NIL)(\"image\" \"png\" (\"name\" \"logo.png\") \"<logo@example.com>\" \"The logo\""
  " \"base64\" 8 NIL (\"inline\" (\"filename\" \"logo.png\" \"size\" \"6\")) NIL NIL) \"related"
  "\" (\"boundary\" \"rel\" \"type\" \"multipart/alternative\") NIL NIL NIL)(\"message\" \"rfc8"
  "22\" NIL NIL NIL \"7bit\" 472 (\"Wed, 3 Jan 2024 12:00:00 +0000\" \"=?UTF-8?Q?inner_message?"
  "=\" ((\"Carol\" NIL \"carol\" \"example.net\")) ((\"Carol\" NIL \"carol\" \"example.net\")) "
  "((\"Carol\" NIL \"carol\" \"example.net\")) ((\"Bob\" NIL \"bob\" \"example.com\")) NIL NIL "
  "NIL \"<inner@example.net>\") ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
  "\" 10 0 NIL NIL NIL NIL)(\"application\" \"octet-stream\" (\"name\" \"data.bin\") NIL NIL \""
  "base64\" 8 NIL (\"attachment\" (\"filename*\" \"UTF-8''%C3%BC.bin\")) NIL NIL) \"mixed\" (\""
  "boundary\" \"inner\") NIL NIL NIL) 19 NIL (\"attachment\" (\"filename\" \"fwd.eml\")) NIL NI"
  "L)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 149 (\"Thu, 4 Jan 2024 12:00:00 +0000\" \"sin"
  "gle-part inner\" ((\"Dave\" NIL \"dave\" \"example.net\")) ((\"Dave\" NIL \"dave\" \"example"
  ".net\")) ((\"Dave\" NIL \"dave\" \"example.net\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" "
  "(\"charset\" \"utf-8\") NIL NIL \"7bit\" 9 0 NIL NIL NIL NIL) 5 NIL NIL NIL NIL) \"mixed\" ("
  "\"boundary\" \"outer\") NIL (\"en\" \"de\") \"http://example.com/outer\") BODY ((((\"text\" "
  "\"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 17 0)(\"text\" \"html\" (\"charset\" \"ut"
  "f-8\") NIL NIL \"quoted-printable\" 28 0) \"alternative\")(\"image\" \"png\" (\"name\" \"log"
  "o.png\") \"<logo@example.com>\" \"The logo\" \"base64\" 8) \"related\")(\"message\" \"rfc822"
  "\" NIL NIL NIL \"7bit\" 472 (\"Wed, 3 Jan 2024 12:00:00 +0000\" \"=?UTF-8?Q?inner_message?="
  "\" ((\"Carol\" NIL \"carol\" \"example.net\")) ((\"Carol\" NIL \"carol\" \"example.net\")) ("
  "(\"Carol\" NIL \"carol\" \"example.net\")) ((\"Bob\" NIL \"bob\" \"example.com\")) NIL NIL N"
  "IL \"<inner@example.net>\") ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\""
  " 10 0)(\"application\" \"octet-stream\" (\"name\" \"data.bin\") NIL NIL \"base64\" 8) \"mixe"
  "d\") 19)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 149 (\"Thu, 4 Jan 2024 12:00:00 +0000\""
  " \"single-part inner\" ((\"Dave\" NIL \"dave\" \"example.net\")) ((\"Dave\" NIL \"dave\" \"e"
  "xample.net\")) ((\"Dave\" NIL \"dave\" \"example.net\")) NIL NIL NIL NIL NIL) (\"text\" \"pl"
  "ain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 9 0) 5) \"mixed\"))\r\n";

/* A message without MIME headers. */
static const char recorded_fetch_no_mime[] =
  "* 3 FETCH (UID 3 ENVELOPE (\"Fri, 5 Jan 2024 12:00:00 +0000\" \"no mime\" ((\"X\" NIL \"x\" "
  "\"example.org\")) ((\"X\" NIL \"x\" \"example.org\")) ((\"X\" NIL \"x\" \"example.org\")) NI"
  "L NIL NIL NIL \"<nomime@example.org>\") BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-"
  "ascii\") NIL NIL \"7bit\" 19 1 NIL NIL NIL NIL) BODY (\"text\" \"plain\" (\"charset\" \"us-a"
  "scii\") NIL NIL \"7bit\" 19 1))\r\n";

/* BODY[HEADER.FIELDS (…)]<0>, BODY[1], BINARY[1] (literal8), BINARY.SIZE, BODY[]<0>,
 * RFC822.HEADER and BODY, from UID FETCH 1:3 (BODY.PEEK[HEADER.FIELDS (From To Subject)]<0>
 * BODY.PEEK[1] BINARY.PEEK[1] BINARY.SIZE[1] BODY.PEEK[]<0.100> RFC822.HEADER BODY). */
static const char recorded_fetch_sections[] =
  "* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM TO SUBJECT)]<0> {268}\r\n"
  "From: =?UTF-8?B?zpPOuc+Oz4HOs86/z4IgzqDOsc+AzrHOtM+Mz4DOv8+FzrvOv8+C?= <giorgos@example.gr>"
  "\r\n"
  "To: Alice Liddell <alice@example.org>,\r\n"
  " =?UTF-8?B?4KSq4KWN4KSw4KS/4KSv4KS+IOCktuCksOCljeCkruCkvg==?= <priya@example.in>\r\n"
  "Subject: =?UTF-8?B?zprOsc67z4wgzqDOrM+Dz4fOsSE=?=\r\n"
  "\r\n"
  " BODY[1] {433}\r\n"
  "=C3=E5=E9=E1 =F3=EF=F5 Alice,\r\n"
  "\r\n"
  "=C5=F5=F7=E1=F1=E9=F3=F4=FE =E3=E9=E1 =F4=E7 =E3=F1=DE=E3=EF=F1=E7 =E1=F0=\r\n"
  "=DC=ED=F4=E7=F3=E7. =CC=F0=EF=F1=EF=FD=EC=E5 =ED=E1 =EC=E5=F4=E1=F6=DD=F1=\r\n"
  "=EF=F5=EC=E5 =F4=E7 =F3=F5=ED=DC=ED=F4=E7=F3=E7\r\n"
  "=F4=E7=ED =D0=DD=EC=F0=F4=E7;\r\n"
  "\r\n"
  "=C7 =E1=ED=E1=F6=EF=F1=DC =E5=DF=ED=E1=E9 =F3=F7=E5=E4=FC=ED =DD=F4=EF=E9=\r\n"
  "=EC=E7.\r\n"
  "\r\n"
  "=D6=E9=EB=E9=EA=DC,\r\n"
  "=C3=E9=FE=F1=E3=EF=F2 =D0=E1=F0=E1=E4=FC=F0=EF=F5=EB=EF=F2 BINARY[1] ~{170}\r\n"
  "\xc3\xe5\xe9\xe1 \xf3\xef\xf5 Alice,\r\n"
  "\r\n"
  "\xc5\xf5\xf7\xe1\xf1\xe9\xf3\xf4\xfe \xe3\xe9\xe1 \xf4\xe7 \xe3\xf1\xde\xe3\xef\xf1\xe7 \xe1"
  "\xf0\xdc\xed\xf4\xe7\xf3\xe7. \xcc\xf0\xef\xf1\xef\xfd\xec\xe5 \xed\xe1 \xec\xe5\xf4\xe1\xf6"
  "\xdd\xf1\xef\xf5\xec\xe5 \xf4\xe7 \xf3\xf5\xed\xdc\xed\xf4\xe7\xf3\xe7\r\n"
  "\xf4\xe7\xed \xd0\xdd\xec\xf0\xf4\xe7;\r\n"
  "\r\n"
  "\xc7 \xe1\xed\xe1\xf6\xef\xf1\xdc \xe5\xdf\xed\xe1\xe9 \xf3\xf7\xe5\xe4\xfc\xed \xdd\xf4\xef"
  "\xe9\xec\xe7.\r\n"
  "\r\n"
  "\xd6\xe9\xeb\xe9\xea\xdc,\r\n"
  "\xc3\xe9\xfe\xf1\xe3\xef\xf2 \xd0\xe1\xf0\xe1\xe4\xfc\xf0\xef\xf5\xeb\xef\xf2 BINARY.SIZE[1]"
  " 170 BODY[]<0> {100}\r\n"
  "Return-Path: <giorgos@example.gr>\r\n"
  "Delivered-To: alice@example.org\r\n"
  "Received: from mail18.example.ne RFC822.HEADER {724}\r\n"
  "Return-Path: <giorgos@example.gr>\r\n"
  "Delivered-To: alice@example.org\r\n"
  "Received: from mail18.example.net (mail18.example.net [192.0.2.18])\r\n"
  "\x09"
  "by mx.example.org (Postfix) with ESMTPS id EB11C4EB3A\r\n"
  "\x09"
  "for <alice@example.org>; Fri, 04 Mar 2022 11:49:33 +0000\r\n"
  "Date: Fri, 04 Mar 2022 13:49:33 +0200\r\n"
  "From: =?UTF-8?B?zpPOuc+Oz4HOs86/z4IgzqDOsc+AzrHOtM+Mz4DOv8+FzrvOv8+C?= <giorgos@example.gr>"
  "\r\n"
  "To: Alice Liddell <alice@example.org>,\r\n"
  " =?UTF-8?B?4KSq4KWN4KSw4KS/4KSv4KS+IOCktuCksOCljeCkruCkvg==?= <priya@example.in>\r\n"
  "Subject: =?UTF-8?B?zprOsc67z4wgzqDOrM+Dz4fOsSE=?=\r\n"
  "Message-ID: <20220304114933.fd62a8cd.1@example.net>\r\n"
  "MIME-Version: 1.0\r\n"
  "User-Agent: Tern/0.1\r\n"
  "Content-Type: multipart/alternative;\r\n"
  " boundary=\"=_tern_1_1_66ea1f48\"\r\n"
  "\r\n"
  " BODY ((\"text\" \"plain\" (\"charset\" \"iso-8859-7\") NIL NIL \"quoted-printable\" 433 11)"
  "(\"text\" \"html\" (\"charset\" \"iso-8859-7\") NIL NIL \"quoted-printable\" 652 15) \"alter"
  "native\"))\r\n";

/* Sections of the message above, with a BINARY literal8 holding NULs. */
static const char recorded_fetch_binary[] = "* 2 FETCH (BODY[2.HEADER] {237}\r\n"
                                            "From: Carol <carol@example.net>\r\n"
                                            "To: Bob <bob@example.com>\r\n"
                                            "Subject: =?UTF-8?Q?inner_message?=\r\n"
                                            "Date: Wed, 3 Jan 2024 12:00:00 +0000\r\n"
                                            "Message-ID: <inner@example.net>\r\n"
                                            "MIME-Version: 1.0\r\n"
                                            "Content-Type: multipart/mixed; boundary=\"inner\"\r\n"
                                            "\r\n"
                                            " BODY[2.1.MIME] {28}\r\n"
                                            "Content-Type: text/plain\r\n"
                                            "\r\n"
                                            " BINARY[2.2] ~{4}\r\n"
                                            "\x00\x01\x02\x03 BODY[1.1.2.MIME] {116}\r\n"
                                            "Content-Type: text/html; charset=utf-8\r\n"
                                            "Content-Transfer-Encoding: quoted-printable\r\n"
                                            "Content-Location: body.html\r\n"
                                            "\r\n"
                                            " BODY[3.1] {9}\r\n"
                                            "just text)\r\n";
