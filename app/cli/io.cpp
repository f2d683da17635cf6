#include "commands.hpp"

#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace tlblab::cli {

std::string readInput(const std::string& path) {
    std::ostringstream ss;
    if (path == "-") {
        ss << std::cin.rdbuf();
        return ss.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open for reading");
    ss << in.rdbuf();
    if (in.bad()) throw std::runtime_error(path + ": read error");
    return ss.str();
}

}  // namespace tlblab::cli
