/* tern-engine.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "account/tern-account-config.h"
#include "account/tern-account-setup.h"
#include "model/tern-account.h"
#include "model/tern-folder-tree.h"
#include "model/tern-folder.h"
#include "model/tern-message-list.h"
#include "model/tern-message-summary.h"
#include "model/tern-model-error.h"
