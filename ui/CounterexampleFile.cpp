// SPDX-License-Identifier: GPL-3.0-or-later
#include "CounterexampleFile.hpp"

#include <QDir>
#include <QTemporaryFile>

namespace tlblab::ui {

std::unique_ptr<QTemporaryFile> writeCounterexampleFile(const std::string& yaml, QString& error) {
    auto file = std::make_unique<QTemporaryFile>(QDir(QDir::tempPath()).filePath(QStringLiteral("tlblab-XXXXXX.yaml")));
    if (!file->open() || file->write(yaml.data(), static_cast<qint64>(yaml.size())) != static_cast<qint64>(yaml.size()) ||
        !file->flush()) {
        error = file->errorString();
        return nullptr;
    }
    file->close();
    return file;
}

}  // namespace tlblab::ui
