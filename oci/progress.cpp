// Tasks of a meter: registered while they run, read by the display's thread.
#include "oci/progress.hpp"

#include <algorithm>

namespace cairn::oci {

std::vector<TaskView> Meter::tasks() const {
    std::lock_guard lock(mutex_);
    std::vector<TaskView> views;
    auto now = std::chrono::steady_clock::now();
    for (const auto& task : tasks_) {
        views.push_back({.name = task->name,
                         .done = task->done,
                         .total = task->total,
                         .elapsed = now - std::chrono::steady_clock::time_point(
                                                    std::chrono::steady_clock::duration(
                                                        task->started.load()))});
    }
    return views;
}

std::shared_ptr<Meter::Task> Meter::start_task(std::string name) {
    auto task = std::make_shared<Task>();
    task->name = std::move(name);
    std::lock_guard lock(mutex_);
    tasks_.push_back(task);
    return task;
}

void Meter::end_task(const std::shared_ptr<Task>& task) {
    std::lock_guard lock(mutex_);
    tasks_.erase(std::remove(tasks_.begin(), tasks_.end(), task), tasks_.end());
}

ProgressTask::ProgressTask(Meter* meter, std::string name, std::uint64_t total) : meter_(meter) {
    if (!meter_) return;
    task_ = meter_->start_task(std::move(name));
    expect(total);
}

ProgressTask::~ProgressTask() {
    if (meter_) meter_->end_task(task_);
}

void ProgressTask::expect(std::uint64_t bytes) {
    if (!meter_) return;
    task_->total += bytes;
    meter_->expect(bytes);
}

void ProgressTask::add(std::uint64_t bytes) {
    if (!meter_) return;
    task_->done += bytes;
    meter_->add(bytes);
}

void ProgressTask::start_over(std::uint64_t total) {
    if (!meter_) return;
    meter_->take_back(task_->done.exchange(0));
    task_->total = total;
    task_->started = std::chrono::steady_clock::now().time_since_epoch().count();
    meter_->expect(total);
}

}  // namespace cairn::oci
