// SPDX-License-Identifier: GPL-3.0-or-later
// File > Export dialog: the request it makes and the choice it remembers.
#include "qt_helpers.hpp"  // core headers before Qt ones

#include "ExportDialog.hpp"

#include <QComboBox>
#include <QLineEdit>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>

#include <catch2/catch.hpp>

using namespace tlblab;

TEST_CASE("export dialog: range, format and theme make the request, and are remembered", "[export][dialog]") {
    test::qtApp();
    QSettings().remove(QStringLiteral("export"));
    {
        ui::ExportDialog d(4, 7);
        auto radios = d.findChildren<QRadioButton*>();
        REQUIRE(radios.size() == 3);
        radios[1]->setChecked(true);  // "Steps A to B"
        auto spins = d.findChildren<QSpinBox*>();
        REQUIRE(spins.size() == 2);
        spins[0]->setValue(5);
        spins[1]->setValue(2);
        auto combos = d.findChildren<QComboBox*>();
        REQUIRE(combos.size() == 2);
        combos[0]->setCurrentIndex(5);        // handout
        combos[1]->setCurrentText("dark");
        d.findChild<QLineEdit*>()->setText("/tmp/h.pdf");
        const ui::ExportRequest r = d.request();
        CHECK(r.first == 2);
        CHECK(r.last == 5);
        CHECK(r.format == ui::ExportFormat::Handout);
        CHECK(r.theme == Theme::Dark);
        CHECK(r.path == QStringLiteral("/tmp/h.pdf"));
        d.accept();
        CHECK(d.result() == QDialog::Accepted);
    }
    ui::ExportDialog again(3, 7);
    const ui::ExportRequest r = again.request();
    CHECK(r.first == 2);
    CHECK(r.last == 5);
    CHECK(r.format == ui::ExportFormat::Handout);
    CHECK(r.theme == Theme::Dark);
    CHECK(r.path == QStringLiteral("/tmp/h.pdf"));
    // The current step, when chosen, is the one the dialog was opened at.
    again.findChildren<QRadioButton*>()[0]->setChecked(true);
    CHECK(again.request().first == 3);
    CHECK(again.request().last == 3);
    QSettings().remove(QStringLiteral("export"));
}
